using System.Collections;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The logging scope of one reconcile, with controller-runtime's structured fields: <c>controller</c>,
/// <c>namespace</c>, <c>name</c> and <c>reconcileID</c> (unique per reconcile, so one reconcile's lines can be
/// followed through a log pipeline). <see cref="OperatorConsoleFormatter"/> writes them as top-level fields.
/// </summary>
public sealed class ReconcileScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _fields;

    /// <summary>Creates the scope.</summary>
    public ReconcileScope(string controller, ObjectKey key, Guid reconcileId)
    {
        Controller = controller;
        Key = key;
        ReconcileId = reconcileId;
        _fields =
        [
            new("controller", controller),
            new("namespace", key.Namespace),
            new("name", key.Name),
            new("reconcileID", reconcileId.ToString()),
        ];
    }

    /// <summary>The controller's name.</summary>
    public string Controller { get; }

    /// <summary>The object being reconciled.</summary>
    public ObjectKey Key { get; }

    /// <summary>This reconcile's id.</summary>
    public Guid ReconcileId { get; }

    /// <inheritdoc/>
    public int Count => _fields.Length;

    /// <inheritdoc/>
    public KeyValuePair<string, object?> this[int index] => _fields[index];

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_fields).GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => $"controller={Controller} {Key} reconcileID={ReconcileId}";
}

using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKube.ControllerRuntime;

/// <summary>JSON merge patch (RFC 7386) computation; the API server (and the sandbox's JsonMergePatch) applies them.</summary>
public static class JsonMergePatch
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}"u8.ToArray()).RootElement;

    /// <summary>
    /// The merge patch that turns <paramref name="original"/> into <paramref name="modified"/>, or null when they
    /// are equal. Keys missing from <paramref name="modified"/> become <c>null</c> (delete); objects are diffed
    /// recursively; arrays and scalars that differ are replaced whole (merge patch cannot address array items).
    /// </summary>
    public static JsonObject? Diff(JsonObject? original, JsonObject? modified)
    {
        using var before = JsonDocument.Parse((original ?? []).ToJsonString());
        using var after = JsonDocument.Parse((modified ?? []).ToJsonString());
        return Diff(before.RootElement, after.RootElement, MergePatchScope.Everything);
    }

    /// <summary>
    /// The same for two objects read from JSON: only the members whose bytes differ are walked, and only what differs
    /// becomes a node (the patch owns its nodes; the documents may be disposed after). A member that is not an object
    /// counts as an empty one. <paramref name="scope"/> says which members are left out.
    /// </summary>
    public static JsonObject? Diff(JsonElement original, JsonElement modified, MergePatchScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        original = original.ValueKind == JsonValueKind.Object ? original : EmptyObject;
        modified = modified.ValueKind == JsonValueKind.Object ? modified : EmptyObject;
        var before = new Members(original);
        var after = new Members(modified);
        JsonObject? patch = null;
        foreach (var member in original.EnumerateObject())
        {
            var name = member.Name;
            if (scope.Skips(name))
            {
                continue;
            }

            if (!after.TryGet(name, out var to))
            {
                (patch ??= [])[name] = null;
                continue;
            }

            var from = member.Value;
            if (from.ValueKind == JsonValueKind.Object && to.ValueKind == JsonValueKind.Object)
            {
                if (!SameBytes(from, to) && Diff(from, to, scope.Member(name)) is { } inner)
                {
                    (patch ??= [])[name] = inner;
                }
            }
            else if (!Equal(from, to))
            {
                (patch ??= [])[name] = Node(to, scope.Member(name));
            }
        }

        foreach (var member in modified.EnumerateObject())
        {
            var name = member.Name;
            if (!scope.Skips(name) && !before.TryGet(name, out _))
            {
                (patch ??= [])[name] = Node(member.Value, scope.Member(name));
            }
        }

        return patch;
    }

    /// <summary>
    /// Looks members up by name: by a scan for small objects, through a table for large ones, so that a diff of two
    /// objects with many members (a tenant's annotations) stays linear.
    /// </summary>
    private readonly struct Members
    {
        private const int ScanLimit = 16;
        private readonly JsonElement _element;
        private readonly Dictionary<string, JsonElement>? _byName;

        public Members(JsonElement element)
        {
            _element = element;
            if (element.GetPropertyCount() > ScanLimit)
            {
                _byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var member in element.EnumerateObject())
                {
                    _byName[member.Name] = member.Value;
                }
            }
        }

        public bool TryGet(string name, out JsonElement value) =>
            _byName is null ? _element.TryGetProperty(name, out value) : _byName.TryGetValue(name, out value);
    }

    private static bool SameBytes(JsonElement a, JsonElement b) =>
        JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b));

    /// <summary>Equal values; the bytes decide first, and only values written differently are compared by meaning.</summary>
    private static bool Equal(JsonElement a, JsonElement b) =>
        a.ValueKind == b.ValueKind && (SameBytes(a, b) || JsonElement.DeepEquals(a, b));

    /// <summary>A node of its own for <paramref name="value"/>, without the members <paramref name="scope"/> leaves out.</summary>
    private static JsonNode? Node(JsonElement value, MergePatchScope scope)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object || !scope.SkipsAny)
        {
            return JsonNode.Parse(JsonMarshal.GetRawUtf8Value(value));
        }

        var copy = new JsonObject();
        foreach (var member in value.EnumerateObject())
        {
            if (!scope.Skips(member.Name))
            {
                copy[member.Name] = Node(member.Value, scope.Member(member.Name));
            }
        }

        return copy;
    }
}

/// <summary>Which members of an object a merge-patch diff leaves out, and the scope of each member's own members.</summary>
public sealed class MergePatchScope
{
    private readonly HashSet<string> _skipped;
    private readonly Dictionary<string, MergePatchScope> _members;

    /// <summary>A scope that leaves out <paramref name="skipped"/> here, and whose members' scopes are <paramref name="members"/> (the rest: <see cref="Everything"/>).</summary>
    public MergePatchScope(IEnumerable<string> skipped, IReadOnlyDictionary<string, MergePatchScope>? members = null)
    {
        _skipped = new HashSet<string>(skipped, StringComparer.Ordinal);
        _members = new Dictionary<string, MergePatchScope>(members ?? new Dictionary<string, MergePatchScope>(), StringComparer.Ordinal);
    }

    /// <summary>Leaves nothing out, at any depth.</summary>
    public static MergePatchScope Everything { get; } = new([]);

    internal bool SkipsAny => _skipped.Count > 0 || _members.Count > 0;

    internal bool Skips(string name) => _skipped.Contains(name);

    internal MergePatchScope Member(string name) => _members.TryGetValue(name, out var scope) ? scope : Everything;
}

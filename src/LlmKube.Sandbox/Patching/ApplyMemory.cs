using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Patching;

/// <summary>What each field manager last applied to each object (the sandbox's stand-in for managedFields).</summary>
internal sealed class ApplyMemory
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Uid, string Manager, string Subresource), JsonObject> _applied = new();

    public JsonObject? Get(string uid, string manager, string subresource)
    {
        lock (_gate)
        {
            return _applied.TryGetValue((uid, manager, subresource), out var applied) ? (JsonObject)applied.DeepClone() : null;
        }
    }

    public void Set(string uid, string manager, string subresource, JsonObject applied)
    {
        lock (_gate)
        {
            _applied[(uid, manager, subresource)] = (JsonObject)applied.DeepClone();
        }
    }

    public void Forget(string uid)
    {
        lock (_gate)
        {
            foreach (var key in _applied.Keys.Where(k => k.Uid == uid).ToList())
            {
                _applied.Remove(key);
            }
        }
    }
}

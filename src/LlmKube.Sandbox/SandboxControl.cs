using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Control;
using LlmKube.Sandbox.Faults;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;

namespace LlmKube.Sandbox;

/// <summary>
/// Test hooks: what kubelet and controllers would do (Deployment status, PVC binding), watch drops, request
/// counters and fault settings. The HTTP control API under <c>/sandbox/v1/</c> calls exactly these methods.
/// Methods that return an object return a private copy of it in JSON.
/// </summary>
public sealed class SandboxControl
{
    private readonly ResourceService _service;
    private readonly RequestCounters _counters;
    private readonly FaultInjector _faults;
    private readonly TimeProvider _time;

    internal SandboxControl(ResourceService service, RequestCounters counters, FaultInjector faults, TimeProvider time)
    {
        _service = service;
        _counters = counters;
        _faults = faults;
        _time = time;
    }

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => _service.Store.Revision;

    /// <summary>Open watch streams right now.</summary>
    public int OpenWatches => _service.Store.OpenWatches();

    /// <summary>Fault injection settings; setting them takes effect immediately.</summary>
    public FaultSettings Faults
    {
        get => _faults.Settings;
        set => _faults.Settings = value ?? FaultSettings.None;
    }

    private ResourceType Type(string group, string plural) => _service.Registry.Find(group, "v1", plural)!;

    /// <summary>Sets a Deployment's status as its controller and kubelet would (see <see cref="DeploymentStatusUpdate"/> for defaults).</summary>
    public JsonObject SetDeploymentStatus(string ns, string name, DeploymentStatusUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var type = Type("apps", "deployments");
        var now = JsonUtil.Timestamp(_time.GetUtcNow());
        var stored = _service.Mutate(type, ns, name, obj =>
        {
            var before = obj["status"]?.DeepClone();
            obj["status"] = DeploymentStatus.Build(obj, update, now);
            return !JsonNode.DeepEquals(before, obj["status"]);
        }) ?? throw new KeyNotFoundException($"deployments.apps \"{name}\" not found in namespace \"{ns}\"");
        return Presenter.Object(type, stored);
    }

    /// <summary>Binds a PVC (creating its PV), or sets it Pending or Lost, as a provisioner and the PV controller would.</summary>
    public JsonObject BindClaim(string ns, string name, ClaimBinding? binding = null) =>
        ClaimBinder.Bind(_service, ns, name, binding ?? new ClaimBinding());

    /// <summary>Unbinds a PVC: phase Pending, no volumeName; its PV is deleted when <paramref name="deleteVolume"/>.</summary>
    public JsonObject UnbindClaim(string ns, string name, bool deleteVolume = true) =>
        ClaimBinder.Unbind(_service, ns, name, deleteVolume);

    /// <summary>Gives a Job its pod, bound to a registered Node or Unschedulable, as the Job controller and the scheduler would.</summary>
    internal void StartJob(string ns, string name) => JobPods.Start(_service, ns, name, _time.GetUtcNow());

    /// <summary>Closes every open watch stream; returns how many there were.</summary>
    public int DropWatches() => _service.Store.DropWatches();

    public RequestCountSnapshot GetRequestCounts() => _counters.Snapshot();

    public void ResetRequestCounts() => _counters.Reset();
}

using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Http;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Sandbox.Control;

/// <summary>
/// The HTTP control API under <c>/sandbox/v1/</c> (JSON, camelCase). Not subject to RBAC or fault injection.
/// Each route calls the matching <see cref="SandboxControl"/> method; see the README for the list.
/// </summary>
internal sealed class ControlEndpoints
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly SandboxControl _control;
    private readonly Func<Uri> _baseAddress;

    public ControlEndpoints(SandboxControl control, Func<Uri> baseAddress)
    {
        _control = control;
        _baseAddress = baseAddress;
    }

    public async Task HandleAsync(HttpContext http)
    {
        var method = http.Request.Method.ToUpperInvariant();
        var parts = (http.Request.Path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToArray();
        try
        {
            JsonNode? result = (method, parts) switch
            {
                ("GET", ["healthz"]) => new JsonObject { ["ok"] = true },
                ("GET", ["info"]) => new JsonObject
                {
                    ["baseAddress"] = _baseAddress().ToString(),
                    ["resourceVersion"] = _control.ResourceVersion,
                    ["openWatches"] = _control.OpenWatches,
                },
                ("POST", ["namespaces", var ns, "deployments", var name, "status"]) =>
                    _control.SetDeploymentStatus(ns, name, await BodyAsync<DeploymentStatusUpdate>(http).ConfigureAwait(false) ?? new DeploymentStatusUpdate()),
                ("POST", ["namespaces", var ns, "persistentvolumeclaims", var name, "bind"]) =>
                    _control.BindClaim(ns, name, await BodyAsync<ClaimBinding>(http).ConfigureAwait(false) ?? new ClaimBinding()),
                ("POST", ["namespaces", var ns, "persistentvolumeclaims", var name, "unbind"]) =>
                    _control.UnbindClaim(ns, name, (await BodyAsync<UnbindRequest>(http).ConfigureAwait(false))?.DeleteVolume ?? true),
                ("POST", ["watches", "drop"]) => new JsonObject { ["dropped"] = _control.DropWatches() },
                ("GET", ["requests"]) => Counts(_control.GetRequestCounts()),
                ("DELETE", ["requests"]) or ("POST", ["requests", "reset"]) => Reset(),
                ("GET", ["faults"]) => JsonSerializer.SerializeToNode(_control.Faults, Web),
                ("PUT", ["faults"]) => SetFaults(await BodyAsync<FaultSettings>(http).ConfigureAwait(false) ?? FaultSettings.None),
                _ => throw ApiException.NotFoundPath($"no control endpoint {method} {http.Request.Path}"),
            };
            await HttpIo.WriteJsonAsync(http, 200, result ?? new JsonObject()).ConfigureAwait(false);
        }
        catch (KeyNotFoundException e)
        {
            await HttpIo.WriteStatusAsync(http, ApiException.NotFoundPath(e.Message)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            await HttpIo.WriteStatusAsync(http, ApiException.BadRequest(e.Message)).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            await HttpIo.WriteStatusAsync(http, e).ConfigureAwait(false);
        }
    }

    private JsonObject Reset()
    {
        _control.ResetRequestCounts();
        return new JsonObject { ["reset"] = true };
    }

    private JsonNode? SetFaults(FaultSettings settings)
    {
        _control.Faults = settings;
        return JsonSerializer.SerializeToNode(_control.Faults, Web);
    }

    private static JsonObject Counts(RequestCountSnapshot snapshot) => new()
    {
        ["total"] = snapshot.Total,
        ["forbidden"] = snapshot.Forbidden,
        ["writes"] = snapshot.Writes(),
        ["entries"] = JsonSerializer.SerializeToNode(snapshot.Entries, Web),
    };

    private static async Task<T?> BodyAsync<T>(HttpContext http)
        where T : class
    {
        var body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        return body.Length == 0 ? null : JsonSerializer.Deserialize<T>(body, Web);
    }

    private sealed record UnbindRequest(bool DeleteVolume = true);
}

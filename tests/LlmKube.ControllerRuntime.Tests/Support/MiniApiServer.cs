using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LlmKube.ControllerRuntime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>
/// A deliberately small Kubernetes API stand-in over real HTTP (Kestrel on loopback), used until the project's
/// sandbox (src/LlmKube.Sandbox) serves CRUD and watch. It implements only what these tests exercise:
/// generic CRUD with a global resourceVersion, merge patch (with resourceVersion preconditions) and /status,
/// paged lists with label equality selectors, watch with a bounded history (410 Expired as an ERROR event),
/// bookmarks on demand, dropping all watches, and request counters by verb and resource.
/// </summary>
public sealed class MiniApiServer : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly SortedDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(long Rv, string Type, string Collection, JsonObject Obj)> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly ConcurrentDictionary<string, int> _counters = new();
    private readonly WebApplication _app;
    private long _rv = 100;

    private MiniApiServer(WebApplication app, int historySize)
    {
        _app = app;
        HistorySize = historySize;
    }

    public int HistorySize { get; set; }

    /// <summary>While set, new watch requests wait for it before they start (to make re-watch timing deterministic).</summary>
    public TaskCompletionSource? WatchGate { get; set; }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<MiniApiServer> StartAsync(int historySize = 1000)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new MiniApiServer(app, historySize);
        app.Run(async ctx =>
        {
            try
            {
                await server.HandleAsync(ctx);
            }
            catch (Exception e) when (!ctx.Response.HasStarted)
            {
                await Status(ctx, 500, "InternalError", e.ToString());
            }
        });
        await app.StartAsync();
        var addr = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(addr);
        return server;
    }

    public int Count(string verb, string resource) => _counters.TryGetValue(verb + " " + resource, out var n) ? n : 0;

    public int Writes() => _counters.Where(kv => kv.Key.StartsWith("create ", StringComparison.Ordinal) || kv.Key.StartsWith("update ", StringComparison.Ordinal) ||
                                                  kv.Key.StartsWith("patch ", StringComparison.Ordinal) || kv.Key.StartsWith("delete ", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public void ResetCounters() => _counters.Clear();

    public void DropWatches()
    {
        lock (_lock)
        {
            foreach (var w in _watchers)
            {
                w.Channel.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    /// <summary>Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks.</summary>
    public long SendBookmarks()
    {
        lock (_lock)
        {
            foreach (var w in _watchers.Where(w => w.Bookmarks))
            {
                w.Channel.Writer.TryWrite(Frame("BOOKMARK", new JsonObject { ["kind"] = w.Kind, ["apiVersion"] = w.ApiVersion, ["metadata"] = new JsonObject { ["resourceVersion"] = _rv.ToString(CultureInfo.InvariantCulture) } }));
            }

            return _rv;
        }
    }

    /// <summary>Bumps the resourceVersion with writes to an unrelated collection (ages out watch history).</summary>
    public void Churn(int n)
    {
        lock (_lock)
        {
            for (var i = 0; i < n; i++)
            {
                var rv = ++_rv;
                _history.Add((rv, "MODIFIED", "/churn", new JsonObject()));
            }

            Trim();
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string Frame(string type, JsonObject obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!.Trim('/').Split('/');
        var q = ctx.Request.Query;
        // api/v1/... or apis/g/v/...
        int i = path[0] == "api" ? 2 : 3;
        var apiVersion = path[0] == "api" ? "v1" : path[1] + "/" + path[2];
        string? ns = null;
        if (path.Length > i + 1 && path[i] == "namespaces" && path.Length > i + 2)
        {
            ns = path[i + 1];
            i += 2;
        }

        var plural = path[i];
        var name = path.Length > i + 1 ? path[i + 1] : null;
        var sub = path.Length > i + 2 ? path[i + 2] : null;
        var collection = "/" + plural;
        var kind = KindOf(plural);
        var watch = q["watch"] == "true" || q["watch"] == "1";
        var verb = ctx.Request.Method switch
        {
            "GET" when watch => "watch",
            "GET" => name == null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            _ => "delete",
        };
        _counters.AddOrUpdate(verb + " " + plural + (sub != null ? "/" + sub : string.Empty), 1, (_, n) => n + 1);
        switch (verb)
        {
            case "watch":
                await WatchAsync(ctx, collection, ns, kind, apiVersion);
                return;
            case "list":
                await ListAsync(ctx, collection, ns, kind, apiVersion);
                return;
            case "get":
                {
                    JsonObject? obj;
                    lock (_lock)
                    {
                        obj = _objects.GetValueOrDefault(Key(collection, ns, name!))?.DeepClone() as JsonObject;
                    }

                    await (obj == null ? Status(ctx, 404, "NotFound", $"{plural} \"{name}\" not found") : Json(ctx, 200, obj));
                    return;
                }

            default:
                await WriteAsync(ctx, verb, collection, ns, name, sub, kind, apiVersion);
                return;
        }
    }

    private async Task WriteAsync(HttpContext ctx, string verb, string collection, string? ns, string? name, string? sub, string kind, string apiVersion)
    {
        var body = verb == "delete" ? null : JsonNode.Parse(await new StreamReader(ctx.Request.Body).ReadToEndAsync()) as JsonObject;
        int code;
        JsonObject? result = null;
        string? error = null;
        lock (_lock)
        {
            if (verb == "create")
            {
                name = body!["metadata"]!["name"]!.GetValue<string>();
                var key = Key(collection, ns, name);
                if (_objects.ContainsKey(key))
                {
                    (code, error) = (409, "AlreadyExists");
                }
                else
                {
                    var meta = (JsonObject)body["metadata"]!;
                    meta["namespace"] = ns;
                    meta["uid"] = Guid.NewGuid().ToString();
                    meta["generation"] = 1;
                    meta["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    body["kind"] = kind;
                    body["apiVersion"] = apiVersion;
                    result = Store(collection, key, body, "ADDED");
                    code = 201;
                }
            }
            else
            {
                var key = Key(collection, ns, name!);
                if (!_objects.TryGetValue(key, out var current))
                {
                    (code, error) = (404, "NotFound");
                }
                else if (verb == "delete")
                {
                    _objects.Remove(key);
                    current = (JsonObject)current.DeepClone();
                    current["metadata"]!["resourceVersion"] = (++_rv).ToString(CultureInfo.InvariantCulture);
                    Publish(_rv, "DELETED", collection, current);
                    (code, result) = (200, current);
                }
                else
                {
                    var wantRv = body!["metadata"]?["resourceVersion"]?.GetValue<string>();
                    if (wantRv != null && wantRv != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                    {
                        (code, error) = (409, "Conflict");
                    }
                    else
                    {
                        var next = verb == "update" ? body : (JsonObject)JsonMergePatch.Apply(current, body)!;
                        var merged = (JsonObject)current.DeepClone();
                        if (sub == "status")
                        {
                            merged["status"] = next["status"]?.DeepClone();
                        }
                        else
                        {
                            foreach (var (k, v) in next)
                            {
                                if (k is not "status" and not "metadata")
                                {
                                    merged[k] = v?.DeepClone();
                                }
                            }

                            foreach (var k in merged.Select(kv => kv.Key).ToList())
                            {
                                if (k is not "status" and not "metadata" and not "kind" and not "apiVersion" && !next.ContainsKey(k))
                                {
                                    merged.Remove(k);
                                }
                            }

                            var m = (JsonObject)merged["metadata"]!;
                            foreach (var f in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
                            {
                                m[f] = next["metadata"]?[f]?.DeepClone();
                            }

                            if (!JsonNode.DeepEquals(current["spec"], merged["spec"]))
                            {
                                m["generation"] = long.Parse(m["generation"]!.ToJsonString(), CultureInfo.InvariantCulture) + 1;
                            }
                        }

                        result = Store(collection, key, merged, "MODIFIED");
                        code = 200;
                    }
                }
            }
        }

        await (error != null ? Status(ctx, code, error, error) : Json(ctx, code, result!));
    }

    private JsonObject Store(string collection, string key, JsonObject obj, string type)
    {
        var rv = ++_rv;
        obj["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        _objects[key] = obj;
        Publish(rv, type, collection, obj);
        return (JsonObject)obj.DeepClone();
    }

    private void Publish(long rv, string type, string collection, JsonObject obj)
    {
        _history.Add((rv, type, collection, (JsonObject)obj.DeepClone()));
        Trim();
        var ns = obj["metadata"]?["namespace"]?.GetValue<string>();
        foreach (var w in _watchers.Where(w => w.Collection == collection && (w.Namespace == null || w.Namespace == ns) && Matches(obj, w.Selector)))
        {
            w.Channel.Writer.TryWrite(Frame(type, obj));
        }
    }

    private void Trim()
    {
        if (_history.Count > HistorySize)
        {
            _history.RemoveRange(0, _history.Count - HistorySize);
        }
    }

    private async Task ListAsync(HttpContext ctx, string collection, string? ns, string kind, string apiVersion)
    {
        var q = ctx.Request.Query;
        var limit = int.TryParse(q["limit"], out var l) && l > 0 ? l : int.MaxValue;
        var cont = q["continue"].ToString();
        JsonObject list;
        lock (_lock)
        {
            var prefix = collection + "|" + (ns == null ? string.Empty : ns + "/");
            var all = _objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && Matches(kv.Value, q["labelSelector"]))
                .Where(kv => string.IsNullOrEmpty(cont) || string.CompareOrdinal(kv.Key, cont) > 0).ToList();
            var page = all.Take(limit).ToList();
            var meta = new JsonObject { ["resourceVersion"] = _rv.ToString(CultureInfo.InvariantCulture) };
            if (all.Count > page.Count)
            {
                meta["continue"] = page[^1].Key;
            }

            list = new JsonObject
            {
                ["kind"] = kind + "List",
                ["apiVersion"] = apiVersion,
                ["metadata"] = meta,
                ["items"] = new JsonArray([.. page.Select(kv => kv.Value.DeepClone())]),
            };
        }

        await Json(ctx, 200, list);
    }

    private async Task WatchAsync(HttpContext ctx, string collection, string? ns, string kind, string apiVersion)
    {
        if (WatchGate is { } gate)
        {
            await gate.Task.WaitAsync(ctx.RequestAborted);
        }

        var q = ctx.Request.Query;
        var w = new Watcher(collection, ns, q["labelSelector"], q["allowWatchBookmarks"] == "true", kind, apiVersion);
        var rvText = q["resourceVersion"].ToString();
        lock (_lock)
        {
            if (string.IsNullOrEmpty(rvText) || rvText == "0")
            {
                foreach (var (key, obj) in _objects.Where(kv => kv.Key.StartsWith(collection + "|", StringComparison.Ordinal)))
                {
                    if ((ns == null || obj["metadata"]?["namespace"]?.GetValue<string>() == ns) && Matches(obj, w.Selector))
                    {
                        w.Channel.Writer.TryWrite(Frame("ADDED", obj));
                    }
                }
            }
            else
            {
                var rv = long.Parse(rvText, CultureInfo.InvariantCulture);
                var oldest = _history.Count > 0 ? _history[0].Rv : _rv + 1;
                if (rv < oldest - 1 && rv < _rv)
                {
                    var status = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "Expired", ["code"] = 410, ["message"] = $"too old resource version: {rv} ({oldest - 1})" };
                    w.Channel.Writer.TryWrite(Frame("ERROR", status));
                    w.Channel.Writer.TryComplete();
                }
                else
                {
                    foreach (var h in _history.Where(h => h.Rv > rv && h.Collection == collection))
                    {
                        if ((ns == null || h.Obj["metadata"]?["namespace"]?.GetValue<string>() == ns) && Matches(h.Obj, w.Selector))
                        {
                            w.Channel.Writer.TryWrite(Frame(h.Type, h.Obj));
                        }
                    }
                }
            }

            _watchers.Add(w);
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.FlushAsync();
        try
        {
            await foreach (var frame in w.Channel.Reader.ReadAllAsync(ctx.RequestAborted))
            {
                await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(w);
            }
        }
    }

    private static bool Matches(JsonObject obj, string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return true;
        }

        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var term in selector.Split(','))
        {
            var kv = term.Split('=');
            if (labels?[kv[0]]?.GetValue<string>() != kv[1])
            {
                return false;
            }
        }

        return true;
    }

    private static string Key(string collection, string? ns, string name) => collection + "|" + (ns == null ? string.Empty : ns + "/") + name;

    private static string KindOf(string plural) => plural switch
    {
        "configmaps" => "ConfigMap",
        "events" => "Event",
        "leases" => "Lease",
        "deployments" => "Deployment",
        "persistentvolumeclaims" => "PersistentVolumeClaim",
        _ => "Widget",
    };

    private static Task Json(HttpContext ctx, int code, JsonObject body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString());
    }

    private static Task Status(HttpContext ctx, int code, string reason, string message) =>
        Json(ctx, code, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = reason, ["code"] = code, ["message"] = message });

    private sealed record Watcher(string Collection, string? Namespace, string? Selector, bool Bookmarks, string Kind, string ApiVersion)
    {
        public Channel<string> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();
    }
}

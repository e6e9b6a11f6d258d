using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.Core;
using LlmKube.Core.Builders;

namespace LlmKube.Bench.Operator;

/// <summary>
/// What taking in its children's watch events costs the operator, stage by stage, with no server and no other process:
/// for each service, the ADDED event of its Deployment and of its Service as the operator's builders make them (with
/// the uid, resourceVersion and creation time a server adds), decoded by the informers' own decode
/// (src/LlmKube.ControllerRuntime/Resources/WatchStream.cs), then what an informer does before its handlers
/// (src/LlmKube.ControllerRuntime/Informers/Informer.cs): compact the maps, share the pod-spec parts, upsert into a
/// cache with the namespace index. The last column decodes the same events again with the client's own options, as
/// the informers did before session 25, outside the other columns' CPU and allocations. The handlers (the echo check,
/// predicates, the queue) are not in it. Reading the stream from a socket is not either: that is kernel time, shared
/// with the sandbox that writes it.
/// Usage: <c>OperatorBench.dll intake [services=1000] [rounds=25]</c>; the first ten rounds warm the JIT up and are
/// not reported.
/// </summary>
internal static class ChildIntake
{
    private const int WarmUpRounds = 10;

    public static void Run(int services, int rounds)
    {
        // As the operator does at start-up: the rows measure its decode, pools included.
        CachingJson.Install();
        var workload = new Workload(services, 20);
        var settings = new WorkloadSettings();
        var created = DateTime.UtcNow;
        var events = workload.ServiceKeys.Select((key, i) =>
        {
            var service = Workload.ServiceFor(key.Namespace, key.Name);
            service.Metadata.Uid = Guid.NewGuid().ToString();
            var state = DesiredState.For(Workload.ReadyModelFor(key.Namespace, key.Name), service, settings);
            return (Deployment: EventLine(state.Deployment!, 2 * i, created), Service: EventLine(state.KubernetesService!, 2 * i + 1, created));
        }).ToList();

        Console.WriteLine($"# child intake, {Environment.ProcessorCount} CPUs, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {services} services: a Deployment event of {events[0].Deployment.Length} bytes and a Service event of {events[0].Service.Length} bytes each"
            + (WithManagedFields ? ", managedFields included (LLMKUBE_BENCH_INTAKE_MANAGED_FIELDS=1)" : ""));
        Console.WriteLine();
        Console.WriteLine("| round | decode Deployment µs | decode Service µs | compact µs | share µs | upsert µs | all µs | CPU-s | allocated KiB | both decoded with the client's options µs |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var rows = new List<double[]>();
        for (var round = 1; round <= WarmUpRounds + rounds; round++)
        {
            double[] row = [.. Round(events), ClientDecode(events)];
            if (round > WarmUpRounds)
            {
                rows.Add(row);
                Console.WriteLine($"| {round - WarmUpRounds} | {Format(row)} |");
            }
        }

        var medians = Enumerable.Range(0, rows[0].Length).Select(c => Percentiles.Median(rows.Select(r => r[c]))).ToArray();
        Console.WriteLine($"| median | {Format(medians)} |");
        Console.WriteLine();
        Console.WriteLine("µs are per service (its two events), CPU-s and allocations for all of a round's services. Load average at the end: "
            + File.ReadAllText("/proc/loadavg").Split(' ')[0]);
    }

    /// <summary>One pass over every service's two events, into a fresh cache: µs per service for each stage and in all, then the round's CPU-s and KiB allocated.</summary>
    private static double[] Round(IReadOnlyList<(byte[] Deployment, byte[] Service)> events)
    {
        var shared = new SharedParts();
        var deployments = new Indexer<V1Deployment>();
        var kubernetesServices = new Indexer<V1Service>();
        var stages = new long[5];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        foreach (var (deploymentLine, serviceLine) in events)
        {
            var t0 = Stopwatch.GetTimestamp();
            var deployment = Decode<V1Deployment>(deploymentLine);
            var t1 = Stopwatch.GetTimestamp();
            var service = Decode<V1Service>(serviceLine);
            var t2 = Stopwatch.GetTimestamp();
            (deployment, service) = (CompactMaps.Compact(deployment), CompactMaps.Compact(service));
            var t3 = Stopwatch.GetTimestamp();
            (deployment, service) = (shared.Share(deployment), shared.Share(service));
            var t4 = Stopwatch.GetTimestamp();
            deployments.Upsert(deployment);
            kubernetesServices.Upsert(service);
            var t5 = Stopwatch.GetTimestamp();
            (stages[0], stages[1], stages[2], stages[3], stages[4]) = (stages[0] + t1 - t0, stages[1] + t2 - t1, stages[2] + t3 - t2, stages[3] + t4 - t3, stages[4] + t5 - t4);
        }

        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var kib = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 1024.0;
        var micros = stages.Select(t => t * 1e6 / Stopwatch.Frequency / events.Count).ToList();
        return [.. micros, micros.Sum(), cpuSeconds, kib];
    }

    /// <summary>
    /// µs per service to decode both its events with the client's options, managedFields and all: what the informers'
    /// decode (<see cref="KubernetesJsonNodes.WithoutManagedFields"/>) is compared with.
    /// </summary>
    private static double ClientDecode(IReadOnlyList<(byte[] Deployment, byte[] Service)> events)
    {
        var start = Stopwatch.GetTimestamp();
        foreach (var (deploymentLine, serviceLine) in events)
        {
            _ = Decode<V1Deployment>(deploymentLine, KubernetesJsonNodes.Options);
            _ = Decode<V1Service>(serviceLine, KubernetesJsonNodes.Options);
        }

        return (Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency / events.Count;
    }

    /// <summary>The event's object, decoded as an informer that drops managedFields decodes it, or with <paramref name="options"/>.</summary>
    private static T Decode<T>(byte[] line, JsonSerializerOptions? options = null)
        where T : class =>
        WatchStream.Decode<T>(line, options ?? KubernetesJsonNodes.WithoutManagedFields, e => throw e)?.Object
        ?? throw new InvalidOperationException("the event line did not decode to an object");

    /// <summary>An ADDED watch event of <paramref name="obj"/>, with what the server adds on create.</summary>
    private static byte[] EventLine<T>(T obj, int index, DateTime created)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        obj.Metadata.Uid = Guid.NewGuid().ToString();
        obj.Metadata.ResourceVersion = (100_000 + index).ToString(CultureInfo.InvariantCulture);
        obj.Metadata.CreationTimestamp = created;
        obj.Metadata.Generation = obj is V1Deployment ? 1 : null;
        var json = KubernetesJsonNodes.ToUtf8(obj);
        if (WithManagedFields)
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node["metadata"]!["managedFields"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = obj.ApiVersion,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = FieldSet(node, top: true),
                ["manager"] = "llmkube-operator",
                ["operation"] = "Update",
                ["time"] = created.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            });
            json = Encoding.UTF8.GetBytes(node.ToJsonString());
        }

        return [.. "{\"type\":\"ADDED\",\"object\":"u8, .. json, .. "}"u8];
    }

    /// <summary>
    /// <c>LLMKUBE_BENCH_INTAKE_MANAGED_FIELDS=1</c>: each object carries the <c>metadata.managedFields</c> entry a real API
    /// server adds for its creator (the sandbox never returns them), so the rows show what decoding them costs before the
    /// informer drops them. Any value other than 1 or 0 is refused.
    /// </summary>
    private static bool WithManagedFields => Environment.GetEnvironmentVariable("LLMKUBE_BENCH_INTAKE_MANAGED_FIELDS") switch
    {
        null or "" or "0" => false,
        "1" => true,
        var other => throw new ArgumentException($"LLMKUBE_BENCH_INTAKE_MANAGED_FIELDS={other}: use 1 or 0 (the default)"),
    };

    /// <summary>
    /// The field set (FieldsV1) of what <paramref name="node"/> sets, shaped as the API server writes it: <c>f:</c> for a
    /// field, <c>k:</c> for a list item with a name, <c>v:</c> for a scalar list item, <c>.</c> for a map or item itself.
    /// Server-set metadata is left out. Close enough in size and shape to cost what the server's does to decode.
    /// </summary>
    private static JsonObject FieldSet(JsonNode? node, bool top = false)
    {
        var set = new JsonObject();
        switch (node)
        {
            case JsonObject map:
                foreach (var (key, value) in map)
                {
                    if (top && key is "apiVersion" or "kind" or "status")
                    {
                        continue;
                    }

                    if (key is "uid" or "resourceVersion" or "creationTimestamp" or "generation" or "name" or "namespace" && map.Parent is JsonObject { Parent: null })
                    {
                        continue;
                    }

                    set["f:" + key] = value is JsonObject or JsonArray ? FieldSet(value) : new JsonObject();
                }

                if (!top && map.Count > 0)
                {
                    set["."] = new JsonObject();
                }

                break;
            case JsonArray list:
                foreach (var item in list)
                {
                    var key = item is JsonObject o && o["name"] is { } name ? "k:{\"name\":" + name.ToJsonString() + "}" : "v:" + item?.ToJsonString();
                    set[key] = item is JsonObject ? FieldSet(item) : new JsonObject();
                }

                break;
        }

        return set;
    }

    /// <summary>A row's cells: µs to a tenth, CPU-s (the row's third from last) to a millisecond, KiB (second from last) whole.</summary>
    private static string Format(double[] row) => string.Join(" | ", row.Select((value, i) =>
        value.ToString(i == row.Length - 3 ? "F3" : i == row.Length - 2 ? "F0" : "F1", CultureInfo.InvariantCulture)));
}

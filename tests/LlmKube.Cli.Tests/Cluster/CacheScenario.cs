using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests.Cluster;

/// <summary>
/// A namespace with service alpha on the shared claim, service beta on the user's claim "mine", and claim directories
/// laid out as the fetcher leaves them: alpha's entry (2 KiB, with a sidecar), an orphaned entry and lost+found on the
/// shared claim; beta's entry (4 KiB, with a sidecar) on "mine".
/// </summary>
public sealed class CacheScenario
{
    public const string SourceA = "https://models.example.invalid/alpha/alpha.Q4_K_M.gguf";
    public const string SourceB = "https://models.example.invalid/beta/beta.Q8_0.gguf";
    public const string OrphanKey = "0123456789abcdef";
    public const string SharedClaim = "llmkube-model-cache";
    public const string UserClaim = "mine";

    private readonly ClusterFixture _cluster;

    private CacheScenario(ClusterFixture cluster, string ns)
    {
        _cluster = cluster;
        Namespace = ns;
    }

    public string Namespace { get; }

    public static string KeyA => CacheKeys.Compute(SourceA);

    public static string KeyB => CacheKeys.Compute(SourceB);

    public string SharedDir => _cluster.Kubelet.ClaimDirectory(Namespace, SharedClaim);

    public string UserDir => _cluster.Kubelet.ClaimDirectory(Namespace, UserClaim);

    public static async Task<CacheScenario> CreateAsync(ClusterFixture cluster, string prefix)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var scenario = new CacheScenario(cluster, await cluster.NamespaceAsync(prefix));
        var ns = scenario.Namespace;
        await cluster.CreateClaimAsync(ns, UserClaim);
        // Deployed together: each service waits out the operator's ModelGracePeriod for a size probe that cannot
        // reach example.invalid, and the two waits overlap instead of adding up.
        var deploying = new[]
        {
            cluster.CliAsync("deploy", "alpha", "-s", SourceA, "-n", ns, "--wait", "--timeout", "30s"),
            cluster.CliAsync("deploy", "beta", "-s", SourceB, "--cache-claim", UserClaim, "-n", ns, "--wait", "--timeout", "30s"),
        };
        foreach (var deployed in await Task.WhenAll(deploying))
        {
            Assert.True(deployed.ExitCode == 0, deployed.Stdout + deployed.Stderr);
        }

        WriteEntry(scenario.SharedDir, KeyA, "alpha.Q4_K_M.gguf", 2048, SourceA);
        WriteEntry(scenario.SharedDir, OrphanKey, "old.gguf", 512, null);
        Directory.CreateDirectory(Path.Combine(scenario.SharedDir, "lost+found"));
        WriteEntry(scenario.UserDir, KeyB, "beta.Q8_0.gguf", 4096, SourceB);
        return scenario;
    }

    /// <summary>A model file and, when <paramref name="source"/> is given, the fetcher's sidecar describing exactly it.</summary>
    public static string WriteEntry(string root, string key, string file, int bytes, string? source)
    {
        var entry = Path.Combine(root, key);
        Directory.CreateDirectory(entry);
        var path = Path.Combine(entry, file);
        File.WriteAllBytes(path, new byte[bytes]);
        File.WriteAllText(Path.Combine(entry, ".llmkube.lock"), "");
        if (source is not null)
        {
            var mtime = (File.GetLastWriteTimeUtc(path) - DateTime.UnixEpoch).Ticks * 100;
            var sidecar = new JsonObject
            {
                ["version"] = 1, ["file"] = file, ["size"] = bytes, ["mtimeUnixNs"] = mtime,
                ["sha256"] = new string('e', 64), ["sha256Check"] = "expected", ["source"] = source,
                ["fetchedAt"] = "2026-11-27T11:15:26.159+00:00", ["origin"] = "download", ["bytesTransferred"] = bytes,
            };
            File.WriteAllText(Path.Combine(entry, $".{file}.llmkube.json"), sidecar.ToJsonString());
        }

        return entry;
    }

    /// <summary>What du would count for a directory: every file below it, dot-files (sidecars, locks) included.</summary>
    public static long Bytes(string directory) => new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    public static string Size(string directory) => ByteSize.Format(Bytes(directory));

    /// <summary>Everything about a claim object that anyone could have changed: metadata, spec, the resourceVersion.</summary>
    public async Task<string> ClaimSnapshotAsync(string claim)
    {
        var read = await _cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claim, Namespace);
        return KubernetesJson.Serialize(new { read.Metadata.ResourceVersion, read.Metadata.Labels, read.Metadata.Annotations, read.Metadata.OwnerReferences, read.Metadata.Finalizers, read.Metadata.DeletionTimestamp, read.Spec });
    }

    public async Task StopAsync(string service)
    {
        Assert.Equal(0, (await _cluster.CliAsync("scale", service, "-r", "0", "-n", Namespace)).ExitCode);
        await _cluster.WaitForServiceAsync(Namespace, service, s => s.Status?.ReadyReplicas == 0 && s.Status.Phase == Api.ServicePhases.Stopped, "stopped");
    }

    /// <summary>The CLI deletes its Jobs (and so their pods) when done.</summary>
    public Task AssertNoJobsLeftAsync() => Eventually.ThatAsync(
        async () => (await _cluster.Client.BatchV1.ListNamespacedJobAsync(Namespace)).Items.Count + (await _cluster.Client.CoreV1.ListNamespacedPodAsync(Namespace)).Items.Count,
        count => count == 0, "no cache Jobs or pods left");

    public IReadOnlyList<JobRun> Runs => _cluster.Kubelet.Runs.Where(r => r.Namespace == Namespace).ToList();

    public IReadOnlyList<V1Job> Jobs => _cluster.Kubelet.Jobs.Where(j => j.Metadata.NamespaceProperty == Namespace).ToList();
}

using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary>Enough objects and watches to catch quadratic behaviour; bounds are generous (2 shared cores).</summary>
public sealed class LoadTests
{
    [Fact]
    public async Task Thousands_of_objects_list_quickly_and_every_watch_sees_every_event()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        const int watchers = 20;
        var counts = new int[watchers];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: cts.Token);
        var watches = Enumerable.Range(0, watchers).Select(w => Task.Run(async () =>
        {
            await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                if (Interlocked.Increment(ref counts[w]) == 2000)
                {
                    return;
                }
            }
        }, cts.Token)).ToList();
        await Eventually.TrueAsync(() => sandbox.Control.OpenWatches == watchers, "watches to open");

        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sandbox.Server.AdminToken);
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cts.Token }, async (i, token) =>
        {
            var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = $"cm-{i:0000}", ["labels"] = new JsonObject { ["shard"] = $"{i % 10}" } }, ["data"] = new JsonObject { ["payload"] = new string('x', 512) } };
            using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            (await http.PostAsync("/api/v1/namespaces/default/configmaps", content, token)).EnsureSuccessStatusCode();
        });

        await Task.WhenAll(watches).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(counts, c => Assert.Equal(2000, c));

        // Correctness at size only: speed is measured in bench/operator, not asserted in a timed test.
        var page = await client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 1000);
        Assert.Equal(1000, page.Items.Count);
        Assert.False(string.IsNullOrEmpty(page.Metadata.ContinueProperty));
        var rest = await client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 1000, continueParameter: page.Metadata.ContinueProperty);
        Assert.Equal(1000, rest.Items.Count);
        Assert.Equal(2000, page.Items.Concat(rest.Items).Select(c => c.Metadata.Name).Distinct().Count());
        var shard = await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "shard=3");
        Assert.Equal(200, shard.Items.Count);
        Assert.All(shard.Items, c => Assert.Equal("3", c.Metadata.Labels["shard"]));
    }
}

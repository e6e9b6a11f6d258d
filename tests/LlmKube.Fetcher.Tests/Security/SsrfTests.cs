using System.Diagnostics;
using System.Net;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Sources;
using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Findings 7 and 8 of issue 12: an upstream server we do not control redirects the fetcher into the cluster (loopback,
/// the cloud metadata endpoint, private addresses) or to another scheme. The fetcher refuses every such hop with
/// SourceUntrusted (exit 12), fast and without retries, unless the network is explicitly allowed (a private mirror).
/// The runs use the binary, so they can be pointed at an older build with LLMKUBE_FETCH_BIN.
/// </summary>
public sealed class SsrfTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData("http://127.0.0.2:{port}/files/m.gguf")]
    [InlineData("http://169.254.169.254/latest/meta-data/iam/security-credentials/")]
    [InlineData("http://10.1.2.3/m.gguf")]
    [InlineData("http://[::1]:{port}/files/m.gguf")]
    [InlineData("http://[::ffff:127.0.0.2]:{port}/files/m.gguf")]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://127.0.0.1/m.gguf")]
    public async Task A_redirect_into_the_cluster_or_to_another_scheme_is_refused_as_SourceUntrusted(string location)
    {
        var data = TestData.Random(50_000, 81);
        HostileServer? server = null;
        server = await HostileServer.StartAsync(async ctx =>
        {
            if (ctx.Request.Path == "/start")
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = location.Replace("{port}", server!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                return;
            }

            await HostileServer.ServeIgnoringIfRangeAsync(ctx, data, "\"v1\"");
        });
        await using (server)
        {
            var dest = _tmp.Combine("k", "m.gguf");
            var started = Stopwatch.StartNew();
            var r = await RunAsync(server.Origin() + "/start", dest, new() { ["LLMKUBE_ALLOWED_NETWORKS"] = "127.0.0.1/32" });

            Assert.True(r.ExitCode == 12, r.Stderr);
            Assert.StartsWith("reason=SourceUntrusted message=", r.ReasonLine, StringComparison.Ordinal);
            Assert.DoesNotContain(server.Requests, q => q.Host != "127.0.0.1");
            Assert.False(File.Exists(dest));
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}: a refusal is not retried");
        }
    }

    [Fact]
    public async Task A_source_on_a_loopback_address_needs_the_allow_list()
    {
        var data = TestData.Random(50_000, 82);
        await using var server = await HostileServer.StartAsync(ctx => HostileServer.ServeIgnoringIfRangeAsync(ctx, data, "\"v1\""));

        var refused = await RunAsync(server.Origin() + "/m.gguf", _tmp.Combine("a", "m.gguf"), new() { ["LLMKUBE_ALLOWED_NETWORKS"] = "" });
        var requestsWhenRefused = server.Requests.Count;
        var allowed = await RunAsync(server.Origin() + "/m.gguf", _tmp.Combine("b", "m.gguf"), new() { ["LLMKUBE_ALLOWED_NETWORKS"] = "10.0.0.0/8, 127.0.0.1" });

        Assert.True(refused.ExitCode == 12, refused.Stderr);
        Assert.Contains("loopback", refused.ReasonLine, StringComparison.Ordinal);
        Assert.Contains("LLMKUBE_ALLOWED_NETWORKS", refused.ReasonLine, StringComparison.Ordinal);
        Assert.Equal(0, requestsWhenRefused);
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        Assert.Equal(data, File.ReadAllBytes(_tmp.Combine("b", "m.gguf")));
    }

    [Fact]
    public async Task An_s3_endpoint_on_the_metadata_address_is_refused_before_any_request()
    {
        var started = Stopwatch.StartNew();
        var r = await RunAsync("s3://bucket/m.gguf", _tmp.Combine("k", "m.gguf"), new()
        {
            ["AWS_ENDPOINT_URL"] = "http://169.254.169.254",
            ["AWS_ACCESS_KEY_ID"] = "AKIASSRFTEST",
            ["AWS_SECRET_ACCESS_KEY"] = "ssrf-test-secret",
        });

        Assert.True(r.ExitCode == 12, r.Stderr);
        Assert.Contains("link-local", r.ReasonLine, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}");
    }

    [Theory]
    [InlineData("https://mirror.example/m.gguf", "http://mirror.example/m.gguf")]
    [InlineData("https://mirror.example/m.gguf", "file:///etc/passwd")]
    [InlineData("http://mirror.example/m.gguf", "gopher://mirror.example/x")]
    public void A_redirect_never_leaves_http_and_never_downgrades_https(string from, string to)
    {
        var e = Assert.Throws<FetchException>(() => NetworkPolicy.CheckRedirect(new Uri(from), new Uri(to), "src"));
        Assert.Equal(FailureReason.SourceUntrusted, e.Reason);
        NetworkPolicy.CheckRedirect(new Uri("http://a/x"), new Uri("https://b/y"), "src"); // an upgrade is fine
    }

    private static async Task<RunResult> RunAsync(string source, string dest, Dictionary<string, string> env)
    {
        using var p = FetcherProcess.Start(["fetch", "--source", source, "--dest", dest, "--progress", "none"], env);
        return await p.WaitAsync(TimeSpan.FromSeconds(60));
    }
}

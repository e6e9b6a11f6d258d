using LlmKube.Fetcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Finding 1 of issue 12: a credential goes only to the origin it was configured for, on every redirect hop, for every
/// source kind. The upstream is hostile: it redirects to another origin in every form a Location header allows.
/// </summary>
public sealed class CredentialOriginTests : IDisposable
{
    private const string Token = "hf_origin_test_token_0123456789";
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData("protocol-relative")]
    [InlineData("absolute")]
    [InlineData("relative-then-protocol-relative")]
    public async Task The_hub_token_never_reaches_another_origin_whatever_the_form_of_the_redirect(string form)
    {
        var data = TestData.Random(300_000, 61);
        HostileServer? server = null;
        server = await HostileServer.StartAsync(async ctx =>
        {
            var path = ctx.Request.Path.Value!;
            var other = $"//127.0.0.2:{server!.Port}/cdn/blob";
            if (path.EndsWith("/resolve/main/m.gguf", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = form switch
                {
                    "protocol-relative" => other,
                    "absolute" => "http:" + other,
                    _ => "/org/r/resolve/main/again/m.gguf",
                };
                return;
            }

            if (path.EndsWith("/again/m.gguf", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = other;
                return;
            }

            await HostileServer.ServeIgnoringIfRangeAsync(ctx, data, "\"v1\"");
        });
        await using (server)
        {
            var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = server.Origin(), ["HF_TOKEN"] = Token };
            var r = await InProcess.RunAsync(["fetch", "--source", "hf://org/r/m.gguf", "--dest", _tmp.Combine("k", "m.gguf"), "--progress", "none"], env);

            Assert.True(r.ExitCode == 0, r.Stderr);
            var foreign = server.Requests.Where(q => q.Host == "127.0.0.2").ToList();
            Assert.NotEmpty(foreign);
            Assert.All(foreign, q => Assert.Equal("", q.Authorization));
            Assert.Contains(server.Requests, q => q.Host == "127.0.0.1" && q.Authorization == "Bearer " + Token);
            Assert.DoesNotContain(Token, r.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_token_is_not_sent_back_to_the_hub_host_over_another_scheme_or_port()
    {
        var data = TestData.Random(100_000, 62);
        HostileServer? other = null;
        other = await HostileServer.StartAsync(ctx => HostileServer.ServeIgnoringIfRangeAsync(ctx, data, "\"v1\""));
        await using (other)
        {
            // Same host (127.0.0.1), other port: another origin.
            await using var hub = await HostileServer.StartAsync(ctx =>
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = $"//127.0.0.1:{other!.Port}/cdn/blob";
                return Task.CompletedTask;
            });
            var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Origin(), ["HF_TOKEN"] = Token };
            var r = await InProcess.RunAsync(["fetch", "--source", "hf://org/r/m.gguf", "--dest", _tmp.Combine("k", "m.gguf"), "--progress", "none"], env);

            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.NotEmpty(other.Requests);
            Assert.All(other.Requests, q => Assert.Equal("", q.Authorization));
        }
    }

    [Theory]
    [InlineData("//127.0.0.2:{0}{1}")]
    [InlineData("http://127.0.0.2:{0}{1}")]
    public async Task S3_signatures_are_never_sent_to_the_origin_an_endpoint_redirects_to(string location)
    {
        await using var server = await HostileServer.StartAsync(ctx =>
        {
            if (ctx.Request.Host.Host == "127.0.0.1")
            {
                ctx.Response.StatusCode = 307;
                ctx.Response.Headers.Location = string.Format(System.Globalization.CultureInfo.InvariantCulture, location, ctx.Request.Host.Port, ctx.Request.Path);
                return Task.CompletedTask;
            }

            ctx.Response.StatusCode = 200;
            ctx.Response.ContentLength = 10;
            return ctx.Response.Body.WriteAsync(new byte[10]).AsTask();
        });
        var env = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = server.Origin(),
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "AKIAORIGINTEST",
            ["AWS_SECRET_ACCESS_KEY"] = "origin-test-secret",
        };
        var r = await InProcess.RunAsync(["fetch", "--source", "s3://bucket/m.gguf", "--dest", _tmp.Combine("k", "m.gguf"), "--progress", "none", "--max-attempts", "1"], env);

        Assert.True(r.ExitCode == 13, r.Stderr);
        Assert.Contains("redirect", r.ReasonLine, StringComparison.Ordinal);
        Assert.Contains(server.Requests, q => q.Host == "127.0.0.1" && q.Authorization.Contains("AKIAORIGINTEST", StringComparison.Ordinal));
        Assert.All(server.Requests.Where(q => q.Host == "127.0.0.2"), q => Assert.Equal("", q.Authorization));
        Assert.DoesNotContain("origin-test-secret", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_last_line_refuses_any_request_that_carries_a_credential_to_an_origin_it_was_not_configured_for()
    {
        await using var server = await HostileServer.StartAsync(ctx => Task.CompletedTask);
        var options = new Cli.FetchOptions { Source = "hf://o/r/m", Dest = "/x", HfToken = Token, HfEndpoint = server.Origin() };
        using var http = new Sources.HttpClients(null, 1, Sources.CredentialOriginGuard.OriginsOf(options), Sources.NetworkPolicy.Parse(["127.0.0.0/8"]));

        using var same = new HttpRequestMessage(HttpMethod.Get, server.Origin() + "/a");
        same.Headers.Authorization = new("Bearer", Token);
        using var ok = await http.Client.SendAsync(same);
        using var other = new HttpRequestMessage(HttpMethod.Get, server.Origin("127.0.0.2") + "/b");
        other.Headers.Authorization = new("Bearer", Token);
        var refused = await Assert.ThrowsAsync<Failures.FetchException>(() => http.Client.SendAsync(other));
        using var anonymous = await http.Client.GetAsync(server.Origin("127.0.0.2") + "/c");

        Assert.Equal(FailureReason.SourceUntrusted, refused.Reason);
        Assert.Equal(["/a", "/c"], server.Requests.Select(q => q.PathAndQuery));
    }
}

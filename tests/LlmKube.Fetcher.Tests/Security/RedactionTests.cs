using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Finding 4 of issue 12: credentials in clear text. A source with userinfo in any spelling (percent-encoded, raw
/// non-ASCII, a bare token) is refused without echoing it; presigned query strings appear in no message the fetcher
/// writes: stderr, the termination line the operator copies into status, the sidecar, the resume state, cache-ls.
/// </summary>
public sealed class RedactionTests : IDisposable
{
    private static readonly string[] Secrets = ["SIGSECRET", "TOKSECRET", "AZSECRET", "GOOGSECRET"];
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData("http://user:p%C3%A4ssw%C3%B6rd@127.0.0.1:{port}/m.gguf", "p%C3%A4ssw%C3%B6rd")]
    [InlineData("http://user:pässwörd@127.0.0.1:{port}/m.gguf", "pässwörd")]
    [InlineData("http://us%40er:pa%3Ass@127.0.0.1:{port}/m.gguf", "pa%3Ass")]
    [InlineData("http://hf_tokenonly123@127.0.0.1:{port}/m.gguf", "hf_tokenonly123")]
    [InlineData("hf://user:hf_secret42@org/repo/m.gguf", "hf_secret42")]
    public async Task A_source_with_userinfo_is_refused_without_echoing_it(string template, string secret)
    {
        await using var server = await HostileServer.StartAsync(ctx => HostileServer.ServeIgnoringIfRangeAsync(ctx, new byte[100], "\"v\""));
        var source = template.Replace("{port}", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var termLog = _tmp.Combine("termination-log");
        File.WriteAllText(termLog, "");

        var r = await RunAsync(["--source", source, "--dest", _tmp.Combine("k", "m.gguf"), "--termination-log", termLog]);

        Assert.True(r.ExitCode == 15, r.Stderr);
        Assert.Contains("sourceSecretRef", r.ReasonLine, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, File.ReadAllText(termLog), StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_presigned_query_appears_in_no_message_no_sidecar_and_no_resume_state()
    {
        var data = TestData.Random(3 << 20, 95);
        await using var server = await HostileServer.StartAsync(async ctx =>
        {
            if (ctx.Request.Path == "/missing.gguf")
            {
                ctx.Response.StatusCode = 404;
                return;
            }

            await HostileServer.ServeIgnoringIfRangeAsync(ctx, data, "\"v1\"");
        });
        const string query = "?X-Amz-Signature=SIGSECRET&X-Amz-Security-Token=TOKSECRET&sig=AZSECRET&X-Goog-Signature=GOOGSECRET";
        var termLog = _tmp.Combine("termination-log");
        File.WriteAllText(termLog, "");

        var missing = await RunAsync(["--source", server.Origin() + "/missing.gguf" + query, "--dest", _tmp.Combine("a", "m.gguf"), "--termination-log", termLog]);
        var ok = await RunAsync(["--source", server.Origin() + "/m.gguf" + query, "--dest", _tmp.Combine("b", "m.gguf"), "--chunk-size-mib", "1"]);
        var list = await RunAsync(["cache-ls", _tmp.Path], fetch: false);

        Assert.True(missing.ExitCode == 11, missing.Stderr);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Contains("X-Amz-Signature=", missing.ReasonLine, StringComparison.Ordinal); // the names stay, for debugging
        var everything = missing.Stderr + File.ReadAllText(termLog) + ok.Stderr + list.Stderr
            + string.Concat(Directory.GetFiles(_tmp.Path, ".*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.All(Secrets, secret => Assert.DoesNotContain(secret, everything, StringComparison.Ordinal));
        Assert.Contains("X-Amz-Signature=REDACTED", File.ReadAllText(_tmp.Combine("b", ".m.gguf.llmkube.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cache_ls_redacts_a_source_that_an_older_fetcher_recorded_in_clear()
    {
        var entry = _tmp.Combine("models", "0123456789abcdef");
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "m.gguf"), "model");
        var mtime = (File.GetLastWriteTimeUtc(Path.Combine(entry, "m.gguf")) - DateTime.UnixEpoch).Ticks * 100;
        File.WriteAllText(Path.Combine(entry, ".m.gguf.llmkube.json"),
            $$"""{"version":1,"file":"m.gguf","size":5,"mtimeUnixNs":{{mtime}},"source":"https://user:pässwörd@host/m.gguf?sig=AZSECRET","fetchedAt":"2026-01-01T00:00:00Z","origin":"download"}""");

        var stdout = new StringWriter();
        var code = CacheAdmin.CacheAdminCommand.Run(["cache-ls", _tmp.Combine("models"), "--termination-log", _tmp.Combine("none", "log")], stdout, TextWriter.Null);

        Assert.Equal(0, code);
        Assert.Contains("\"source\":\"https://REDACTED@host/m.gguf?sig=REDACTED\"", stdout.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://user:pa@ss@host/m.gguf", "https://REDACTED@host/m.gguf")]
    [InlineData("http://us\\er@host/m.gguf", "http://REDACTED@host/m.gguf")]
    [InlineData("http://host/a@b/m.gguf?token=abc&x", "http://host/a@b/m.gguf?token=REDACTED&x")]
    [InlineData("https://host/m.gguf#sig=abc", "https://host/m.gguf#REDACTED")]
    [InlineData("s3://bucket/key", "s3://bucket/key")]
    [InlineData("hf://org/repo@rev/m.gguf", "hf://org/repo@rev/m.gguf")]
    [InlineData("not a url?x=1", "not a url?x=REDACTED")]
    public void Urls_lose_userinfo_query_values_and_fragments_and_nothing_else(string url, string redacted) =>
        Assert.Equal(redacted, Redaction.Url(url));

    [Fact]
    public void Every_url_inside_a_free_text_is_redacted()
    {
        var text = "GET https://u:p@a.example/x?sig=1 failed; retried http://b.example/y?X-Amz-Signature=2 then gave up";
        Assert.Equal("GET https://REDACTED@a.example/x?sig=REDACTED failed; retried http://b.example/y?X-Amz-Signature=REDACTED then gave up",
            Redaction.Text(text));
    }

    private static async Task<RunResult> RunAsync(string[] args, bool fetch = true)
    {
        using var p = FetcherProcess.Start(fetch ? ["fetch", "--progress", "none", .. args] : args);
        return await p.WaitAsync(TimeSpan.FromSeconds(60));
    }
}

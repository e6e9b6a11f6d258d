using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests;

/// <summary>s3:// through AWSSDK.S3 against s3rver (SigV4 checked, path-style endpoint from the environment).</summary>
public sealed class S3Tests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [SkippableFact]
    public async Task Single_object_with_ranges_prefix_with_files_and_the_error_reasons()
    {
        Requires.Binary("s3rver");
        using var s3 = S3rver.Start("models");
        var big = TestData.Random(9 << 20, 51);
        var a = TestData.Random(300_000, 52);
        var b = TestData.Random(200_000, 53);
        await s3.PutAsync("models", "llama/model.gguf", big);
        await s3.PutAsync("models", "repo/a.gguf", a);
        await s3.PutAsync("models", "repo/sub/b.gguf", b);

        var dest = _tmp.Combine("k", "model.gguf");
        var single = await InProcess.RunAsync(["fetch", "--source", "s3://models/llama/model.gguf", "--dest", dest, "--sha256", TestData.Sha256(big),
            "--chunk-size-mib", "2", "--progress", "none"], s3.Env());
        Assert.True(single.ExitCode == 0, single.Stderr);
        Assert.Contains("4 connections", single.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(big), TestData.Sha256OfFile(dest));
        Assert.DoesNotContain(S3rver.SecretKey + "\"", single.Stderr, StringComparison.Ordinal);

        var dir = _tmp.Combine("multi");
        var env = s3.Env();
        env["LLMKUBE_SOURCE"] = "s3://models/repo";
        env["LLMKUBE_DEST_DIR"] = dir;
        env["LLMKUBE_FILES"] = "a.gguf\nsub/b.gguf";
        var multi = await InProcess.RunAsync(["fetch", "--progress", "none"], env);
        Assert.True(multi.ExitCode == 0, multi.Stderr);
        Assert.Equal(TestData.Sha256(a), TestData.Sha256OfFile(Path.Combine(dir, "a.gguf")));
        Assert.Equal(TestData.Sha256(b), TestData.Sha256OfFile(Path.Combine(dir, "sub", "b.gguf")));

        var missing = await InProcess.RunAsync(["fetch", "--source", "s3://models/nope.gguf", "--dest", _tmp.Combine("x", "nope.gguf")], s3.Env());
        Assert.Equal(11, missing.ExitCode);
        Assert.StartsWith("reason=SourceNotFound", missing.ReasonLine, StringComparison.Ordinal);

        var denied = await InProcess.RunAsync(["fetch", "--source", "s3://models/llama/model.gguf", "--dest", _tmp.Combine("y", "model.gguf")],
            s3.Env("NOT-A-KEY", "wrong-secret")); // s3rver checks the key id (it does not verify secrets)
        Assert.Equal(10, denied.ExitCode);
        Assert.StartsWith("reason=SourceUnauthorized", denied.ReasonLine, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", denied.Stderr, StringComparison.Ordinal);

        // OnChange: unchanged object -> revalidated; replaced object -> fetched again.
        var onChange = await InProcess.RunAsync(["fetch", "--source", "s3://models/llama/model.gguf", "--dest", dest, "--refresh", "OnChange", "--progress", "none"], s3.Env());
        Assert.Contains("revalidated (unchanged)", onChange.Stderr, StringComparison.Ordinal);
        var replaced = TestData.Random(1 << 20, 54);
        await s3.PutAsync("models", "llama/model.gguf", replaced);
        var refetched = await InProcess.RunAsync(["fetch", "--source", "s3://models/llama/model.gguf", "--dest", dest, "--refresh", "OnChange", "--progress", "none"], s3.Env());
        Assert.True(refetched.ExitCode == 0, refetched.Stderr);
        Assert.Equal(TestData.Sha256(replaced), TestData.Sha256OfFile(dest));
    }
}

using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Prep;

namespace LlmKube.Fetcher.Tests;

public class OptionsTests
{
    private static FetchOptions Parse(string[] args, Dictionary<string, string>? env = null) =>
        FetchOptionsParser.Parse(args, env ?? []);

    [Fact]
    public void Environment_of_the_contract_is_read()
    {
        var o = Parse([], new()
        {
            ["LLMKUBE_SOURCE"] = "hf://org/repo@v1",
            ["LLMKUBE_DEST_DIR"] = "/models/abc",
            ["LLMKUBE_FILES"] = "a.gguf\nMTP/b.gguf\n\nmm.gguf\n",
            ["LLMKUBE_SHA256"] = new string('A', 64),
            ["LLMKUBE_REFRESH_POLICY"] = "OnChange",
            ["LLMKUBE_CONNECTIONS"] = "8",
            ["LLMKUBE_CA_DIR"] = "/custom-certs",
            ["LLMKUBE_ALLOWED_FILE_ROOTS"] = "/a:/b",
            ["HF_TOKEN"] = "hf_x",
            ["HF_ENDPOINT"] = "http://hub.local/",
            ["AWS_ENDPOINT_URL"] = "http://s3.local",
            ["AWS_REGION"] = "eu-west-1",
        });
        Assert.Equal("hf://org/repo@v1", o.Source);
        Assert.Equal("/models/abc", o.DestDir);
        Assert.Equal(["a.gguf", "MTP/b.gguf", "mm.gguf"], o.Files);
        Assert.Equal(new string('a', 64), o.Sha256);
        Assert.Equal(RefreshPolicy.OnChange, o.Refresh);
        Assert.Equal(8, o.Connections);
        Assert.Equal("/custom-certs", o.CaDir);
        Assert.Equal(["/a", "/b"], o.AllowedFileRoots);
        Assert.Equal("hf_x", o.HfToken);
        Assert.Equal("http://hub.local", o.HfEndpoint);
        Assert.Equal("http://s3.local", o.S3.EndpointUrl);
        Assert.Equal("eu-west-1", o.S3.Region);
        Assert.Equal("/models/abc", o.EntryDirectory);
        Assert.True(o.Fsync);
        Assert.False(Parse([], new() { ["LLMKUBE_SOURCE"] = "s", ["LLMKUBE_DEST"] = "/d/f", ["LLMKUBE_FSYNC"] = "false" }).Fsync);
    }

    [Fact]
    public void Flags_win_over_the_environment()
    {
        var o = Parse(["--source", "https://x/y.gguf", "--dest=/m/k/y.gguf", "--connections", "2", "--refresh", "IfNotPresent"],
            new() { ["LLMKUBE_SOURCE"] = "https://other/z.gguf", ["LLMKUBE_CONNECTIONS"] = "9", ["LLMKUBE_REFRESH_POLICY"] = "OnChange" });
        Assert.Equal("https://x/y.gguf", o.Source);
        Assert.Equal("/m/k/y.gguf", o.Dest);
        Assert.Equal(2, o.Connections);
        Assert.Equal(RefreshPolicy.IfNotPresent, o.Refresh);
        Assert.Equal("/m/k", o.EntryDirectory);
        Assert.Equal(FetchOptions.DefaultConnections, Parse(["--source", "s", "--dest", "/d/f"]).Connections);
    }

    [Theory]
    [InlineData(new[] { "--dest", "/d/f" }, "no source")]
    [InlineData(new[] { "--source", "s" }, "exactly one")]
    [InlineData(new[] { "--source", "s", "--dest", "/d/f", "--dest-dir", "/d" }, "exactly one")]
    [InlineData(new[] { "--source", "s", "--dest-dir", "/d" }, "at least one")]
    [InlineData(new[] { "--source", "s", "--dest", "/d/f", "--sha256", "abc" }, "64 hex")]
    [InlineData(new[] { "--source", "s", "--dest", "/d/f", "--refresh", "Always" }, "IfNotPresent or OnChange")]
    [InlineData(new[] { "--source", "s", "--dest", "/d/f", "--connections", "0" }, "--connections")]
    [InlineData(new[] { "--source", "s", "--dest", "/d/f", "--bogus" }, "unknown flag")]
    [InlineData(new[] { "--source", "s", "--dest", "/d/.hidden" }, "dot-file")]
    public void Bad_arguments_are_usage_errors(string[] args, string message)
    {
        var e = Assert.Throws<FetchException>(() => Parse(args));
        Assert.Equal(FailureReason.InvalidArguments, e.Reason);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("./a")]
    [InlineData("a/\nb")]
    [InlineData(".x.gguf.llmkube.json")]
    [InlineData(".llmkube.lock")]
    public void Traversal_and_internal_names_are_refused(string file)
    {
        var e = Assert.Throws<FetchException>(() => Parse(["--source", "hf://o/r", "--dest-dir", "/m/k", "--file", file]));
        Assert.Equal(FailureReason.InvalidSource, e.Reason);
    }

    [Fact]
    public void Nested_paths_are_kept()
    {
        var o = Parse(["--source", "hf://o/r", "--dest-dir", "/m/k", "--file", "MTP/sub/x.gguf", "--file", ".gitattributes"]);
        Assert.Equal(["MTP/sub/x.gguf", ".gitattributes"], o.Files);
    }

    [Theory]
    [InlineData("0770", "755", "770")]
    [InlineData("770", "2755", "2770")]
    [InlineData("2775", "755", "2775")]
    [InlineData("g+rwX", "755", "775")]
    [InlineData("g+rwX", "700", "770")]
    [InlineData("u=rwx,g=rx,o=", "777", "750")]
    [InlineData("o-rwx", "777", "770")]
    [InlineData("a+r", "700", "744")]
    [InlineData("+x", "600", "711")]
    public void Modes_octal_and_symbolic(string mode, string before, string after) =>
        Assert.Equal(Oct(after), ModeSpec.Parse(mode).Apply(Oct(before), isDirectory: true));

    private static int Oct(string s) => Convert.ToInt32(s, 8);

    [Fact]
    public void Capital_X_on_files_only_when_some_execute_bit_is_set()
    {
        Assert.Equal(Oct("660"), ModeSpec.Parse("g+rwX").Apply(Oct("600"), isDirectory: false));
        Assert.Equal(Oct("770"), ModeSpec.Parse("g+rwX").Apply(Oct("700"), isDirectory: false));
    }

    [Theory]
    [InlineData("g+q")]
    [InlineData("77777")]
    [InlineData("g")]
    [InlineData("rwx")]
    public void Bad_modes_are_refused(string mode) =>
        Assert.Equal(FailureReason.InvalidArguments, Assert.Throws<FetchException>(() => ModeSpec.Parse(mode)).Reason);
}

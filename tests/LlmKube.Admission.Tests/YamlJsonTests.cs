using System.Text.Json.Nodes;
using LlmKube.Admission.Json;
using YamlDotNet.Core;

namespace LlmKube.Admission.Tests;

/// <summary>The one YAML reader and writer: Kubernetes' reading of scalars, strict keys, and output that reads back unchanged.</summary>
public sealed class YamlJsonTests
{
    [Fact]
    public void Numbers_in_other_bases_are_integers_and_dates_stay_strings_as_kubectl_reads_them()
    {
        var doc = YamlJson.ParseOne("""
            hex: 0x10
            octal: 0o17
            date: 2024-01-01
            time: 2024-01-01T10:00:00Z
            big: 123456789012345678901234567890
            negative: -12
            inf: .inf
            leadingZero: 017
            """)!;

        Assert.Equal(
            """{"hex":16,"octal":15,"date":"2024-01-01","time":"2024-01-01T10:00:00Z","big":1.2345678901234568E+29,"negative":-12,"inf":".inf","leadingZero":17}""",
            doc.ToJsonString());
    }

    [Theory]
    [InlineData("a: 1\na: 2\n", "Duplicate key a")]
    [InlineData("? [x]\n: 1\n", "mapping keys must be scalars")]
    public void Repeated_and_non_scalar_keys_are_errors_with_a_position(string yaml, string message)
    {
        var error = Assert.ThrowsAny<YamlException>(() => YamlJson.Documents(yaml));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.True(error.Start.Line > 0);
    }

    [Fact]
    public void Empty_documents_keep_their_place()
    {
        var documents = YamlJson.Documents("a: 1\n---\n---\nb: 2\n");

        Assert.Equal(3, documents.Count);
        Assert.Null(documents[1]);
        Assert.Equal(2, YamlJson.ParseAll("a: 1\n---\n---\nb: 2\n").Count);
    }

    [Theory]
    [InlineData("0x10")]
    [InlineData("0o17")]
    [InlineData("2024-01-01")]
    [InlineData("1e3")]
    [InlineData("yes")]
    [InlineData("No")]
    [InlineData("on")]
    [InlineData("y")]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("True")]
    [InlineData(".inf")]
    [InlineData("12:30")]
    [InlineData("- item")]
    [InlineData("key: value")]
    [InlineData("# comment")]
    [InlineData("trailing ")]
    [InlineData("two\nlines")]
    [InlineData("")]
    [InlineData("ünïcode \"quoted\" \\ back")]
    public void Strings_that_look_like_something_else_are_quoted_and_read_back_as_strings(string text)
    {
        var yaml = YamlJson.Write(new JsonObject { ["value"] = text, [text] = "key" });

        var reread = YamlJson.ParseOne(yaml)!.AsObject();

        Assert.Equal(text, reread["value"]!.GetValue<string>());
        Assert.Equal("key", reread[text]!.GetValue<string>());
        Assert.DoesNotContain($"value: {text}\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_written_tree_reads_back_equal()
    {
        var tree = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"a","labels":{"app.kubernetes.io/name":"llmkube"}},
            "spec":{"replicas":2,"ratio":0.5,"on":true,"args":["--port","8080"],"empty":{},"none":[],"nothing":null}}]}
            """);

        Assert.True(JsonNode.DeepEquals(tree, YamlJson.ParseOne(YamlJson.Write(tree))));
    }
}

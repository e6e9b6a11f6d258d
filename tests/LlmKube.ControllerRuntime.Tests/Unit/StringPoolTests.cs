using System.Text.Json;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class StringPoolTests
{
    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME","namespace":"team-a","uid":"UID",
         "resourceVersion":"RV","labels":{"inference.llmkube.dev/service":"NAME","app.kubernetes.io/managed-by":"llmkube"}},
         "spec":{"selector":{"matchLabels":{"inference.llmkube.dev/service":"NAME"}},"template":{"spec":{"containers":[
          {"name":"llama-server","image":"ghcr.io/ggml-org/llama.cpp:server","args":["--port","8080","caf\u00e9 \"q\""]}]}}}}
        """;

    private static (JsonSerializerOptions Options, StringPool Pool) Pooled(int capacity = 1 << 16)
    {
        var pool = new StringPool(capacity);
        var options = new JsonSerializerOptions(KubernetesJsonNodes.Options);
        Assert.True(pool.TryAddTo(options));
        Assert.False(pool.TryAddTo(options));
        return (options, pool);
    }

    private static V1Deployment Decode(JsonSerializerOptions options, string name, string uid, string rv) =>
        JsonSerializer.Deserialize<V1Deployment>(Deployment.Replace("NAME", name).Replace("UID", uid).Replace("RV", rv), options)!;

    [Fact]
    public void Objects_decoded_through_the_pool_share_repeated_strings_values_and_dictionary_keys_alike()
    {
        var (options, _) = Pooled();
        var a = Decode(options, "svc-1", "0b6f3c1e-6a8d-4a59-9d1c-1f0c2b7e9a01", "1001");
        var b = Decode(options, "svc-2", "0b6f3c1e-6a8d-4a59-9d1c-1f0c2b7e9a02", "1002");

        Assert.Same(a.Metadata.NamespaceProperty, b.Metadata.NamespaceProperty);
        Assert.Same(a.Spec.Template.Spec.Containers[0].Image, b.Spec.Template.Spec.Containers[0].Image);
        Assert.Same(a.Metadata.Labels.Keys.First(), b.Metadata.Labels.Keys.First());
        Assert.Same(a.Metadata.Labels["app.kubernetes.io/managed-by"], b.Metadata.Labels["app.kubernetes.io/managed-by"]);
        // Within one service, its name is one instance in the metadata, its labels and the selector.
        Assert.Same(a.Metadata.Name, a.Spec.Selector.MatchLabels["inference.llmkube.dev/service"]);
        Assert.NotSame(a.Metadata.Name, b.Metadata.Name);
        Assert.Equal("caf\u00e9 \"q\"", a.Spec.Template.Spec.Containers[0].Args[2]);
    }

    [Fact]
    public void Uids_resource_versions_and_long_strings_are_not_pooled_and_the_pool_stops_growing_at_its_capacity()
    {
        var (options, pool) = Pooled(capacity: 5);
        var first = Decode(options, "svc-1", "0b6f3c1e-6a8d-4a59-9d1c-1f0c2b7e9a01", "1001");
        var again = Decode(options, "svc-1", "0b6f3c1e-6a8d-4a59-9d1c-1f0c2b7e9a01", "1001");

        Assert.NotSame(first.Metadata.Uid, again.Metadata.Uid);
        Assert.NotSame(first.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
        Assert.Equal(5, pool.Count);
        var later = Decode(options, "a-name-seen-after-the-pool-filled-up", "u", "1");
        Assert.Equal(5, pool.Count);
        Assert.Equal("a-name-seen-after-the-pool-filled-up", later.Metadata.Name);

        var longValue = new string('x', pool.MaxLength + 1);
        Assert.NotSame(new StringPool().Get(longValue), new StringPool().Get(longValue));
    }

    [Fact]
    public void Pooled_decoding_writes_back_exactly_what_the_client_s_own_options_write()
    {
        var (options, _) = Pooled();
        var json = Deployment.Replace("NAME", "svc-9").Replace("UID", "u-9").Replace("RV", "9");
        var plain = JsonSerializer.Deserialize<V1Deployment>(json, KubernetesJsonNodes.Options)!;
        var pooled = JsonSerializer.Deserialize<V1Deployment>(json, options)!;

        Assert.Equal(JsonSerializer.Serialize(plain, KubernetesJsonNodes.Options), JsonSerializer.Serialize(pooled, options));
    }

    [Theory]
    [InlineData("team-a", false)]
    [InlineData("caf\u00e9 \u6a21\u578b \ud83e\udd99", false)] // two- and three-byte UTF-8 and a surrogate pair
    [InlineData("caf\u00e9 \u6a21\u578b \ud83e\udd99", true)]  // the same, written as JSON escapes
    [InlineData("tab\there \"quoted\" back\\slash", false)]
    public void Every_value_decodes_to_exactly_the_string_it_encodes_whatever_its_length(string sample, bool escaped)
    {
        var (options, _) = Pooled();
        var writer = new JsonSerializerOptions { Encoder = escaped ? System.Text.Encodings.Web.JavaScriptEncoder.Default : System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        // Short, around the pool's length bound (256 characters) and around the byte bound of the stack copy (768 bytes).
        foreach (var length in new[] { 1, 255, 256, 257, 383, 384, 700, 767, 768, 769, 2000 })
        {
            var value = string.Concat(Enumerable.Repeat(sample, (length / sample.Length) + 1))[..length];
            if (char.IsHighSurrogate(value[^1]))
            {
                value = value[..^1]; // never split a pair
            }

            var json = JsonSerializer.Serialize(new Dictionary<string, string> { [value] = value }, writer);
            var decoded = JsonSerializer.Deserialize<Dictionary<string, string>>(json, options)!.Single();
            Assert.Equal(value, decoded.Key);
            Assert.Equal(value, decoded.Value);
        }
    }
}

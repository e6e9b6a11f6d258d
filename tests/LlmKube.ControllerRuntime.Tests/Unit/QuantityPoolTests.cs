using System.Text.Json;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class QuantityPoolTests
{
    // Canonical, non-canonical (1.5Gi, 0.5, 2e3, 1000m), signs, spaces, zero, the BinarySI cap and a text too long to keep.
    public static TheoryData<string> Texts() =>
    [
        "1", "64Mi", "1536Mi", "1.5Gi", "0.5", "100m", "1000m", "2e3", "12E6", "1k", "-1", " 5 ", "0", "0Gi", "1.1Ki",
        "9223372036854775807Ei", "0.0000000000000000000000000000000000000000000000000000000000000000001",
    ];

    private static (JsonSerializerOptions Options, QuantityPool Pool) Pooled(int capacity = 4096)
    {
        var pool = new QuantityPool(capacity);
        var options = new JsonSerializerOptions(KubernetesJsonNodes.Options);
        Assert.True(pool.TryAddTo(options));
        Assert.False(pool.TryAddTo(options));
        return (options, pool);
    }

    private static V1ResourceRequirements Requests(params string[] quantities) =>
        new() { Requests = quantities.Select((q, i) => (q, i)).ToDictionary(p => $"r{p.i}", p => new ResourceQuantity(p.q)) };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Reads_and_writes_every_quantity_exactly_as_the_client_does(string text)
    {
        var (options, _) = Pooled();
        var json = "{\"requests\":{\"cpu\":" + JsonSerializer.Serialize(text) + "}}";

        var client = KubernetesJson.Deserialize<V1ResourceRequirements>(json);
        var pooled = JsonSerializer.Deserialize<V1ResourceRequirements>(json, options)!;

        Assert.Equal(client.Requests["cpu"], pooled.Requests["cpu"]);
        Assert.Equal(KubernetesJson.Serialize(client), JsonSerializer.Serialize(client, options));
        Assert.Equal(KubernetesJson.Serialize(client), JsonSerializer.Serialize(pooled, options));
        // Twice: the second write comes from the pool.
        Assert.Equal(KubernetesJson.Serialize(client), JsonSerializer.Serialize(pooled, options));
    }

    [Fact]
    public void Numbers_nulls_and_bad_texts_are_converted_as_the_client_converts_them()
    {
        var (options, _) = Pooled();
        foreach (var json in new[] { """{"requests":{"a":1.5,"b":3,"c":79228162514264337593543950335}}""", """{"requests":{"a":null}}""" })
        {
            Assert.Equal(
                KubernetesJson.Serialize(KubernetesJson.Deserialize<V1ResourceRequirements>(json)),
                JsonSerializer.Serialize(JsonSerializer.Deserialize<V1ResourceRequirements>(json, options), options));
        }

        foreach (var json in new[] { """{"requests":{"a":"12Xi"}}""", """{"requests":{"a":true}}""", """{"requests":{"a":""}}""" })
        {
            var expected = Record.Exception(() => KubernetesJson.Deserialize<V1ResourceRequirements>(json));
            var actual = Record.Exception(() => JsonSerializer.Deserialize<V1ResourceRequirements>(json, options));
            Assert.NotNull(expected);
            Assert.Equal(expected.GetType(), actual?.GetType());
        }
    }

    [Fact]
    public void One_text_decodes_to_one_shared_instance_and_equal_quantities_share_one_canonical_text()
    {
        var (options, pool) = Pooled();
        var a = JsonSerializer.Deserialize<V1ResourceRequirements>("""{"requests":{"memory":"64Mi","cpu":"1"}}""", options)!;
        var b = JsonSerializer.Deserialize<V1ResourceRequirements>("""{"limits":{"memory":"64Mi"}}""", options)!;

        Assert.Same(a.Requests["memory"], b.Limits["memory"]);
        Assert.Equal(2, pool.ParsedCount);

        // Quantities a builder makes itself are written from the pool as soon as an equal one has been written.
        Assert.Equal("""{"requests":{"r0":"64Mi","r1":"1536Mi"}}""", JsonSerializer.Serialize(Requests("64Mi", "1.5Gi"), options));
        Assert.Equal("""{"requests":{"r0":"64Mi","r1":"1536Mi"}}""", JsonSerializer.Serialize(Requests("64Mi", "1536Mi"), options));
        Assert.Equal(2, pool.CanonicalCount);
        Assert.Same(pool.Canonical(new ResourceQuantity("1.5Gi")), pool.Canonical(new ResourceQuantity("1536Mi")));
    }

    [Fact]
    public void The_pool_stops_growing_at_its_capacity_and_still_converts_correctly()
    {
        var (options, pool) = Pooled(capacity: 3);
        var texts = Enumerable.Range(1, 10).Select(i => $"{i}Gi").ToArray();
        var json = JsonSerializer.Serialize(new { requests = texts.Select((t, i) => (t, i)).ToDictionary(p => $"r{p.i}", p => p.t) });

        var decoded = JsonSerializer.Deserialize<V1ResourceRequirements>(json, options)!;
        Assert.Equal(KubernetesJson.Serialize(KubernetesJson.Deserialize<V1ResourceRequirements>(json)), JsonSerializer.Serialize(decoded, options));
        Assert.Equal(3, pool.ParsedCount);
        Assert.Equal(3, pool.CanonicalCount);

        // A text longer than any real quantity is converted but never kept.
        var (_, fresh) = Pooled();
        var longText = new string('1', QuantityPool.MaxLength + 1);
        Assert.NotSame(fresh.Parse(longText), fresh.Parse(longText));
        Assert.Equal(0, fresh.ParsedCount);
    }
}

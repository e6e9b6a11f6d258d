using System.Text.Json;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class CompactMapsTests
{
    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"svc","namespace":"team-a","resourceVersion":"7",
         "labels":{"app":"svc","inference.llmkube.dev/model":"m","inference.llmkube.dev/service":"svc","x":""},
         "annotations":{"deployment.kubernetes.io/revision":"1"}},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"svc","inference.llmkube.dev/service":"svc"}},
          "template":{"metadata":{"labels":{"app":"svc","inference.llmkube.dev/model":"m","inference.llmkube.dev/service":"svc","x":""},
           "annotations":{"a":"b"}},
           "spec":{"containers":[{"name":"s","image":"i"}],"nodeSelector":{"gpu":"yes"}}}}}
        """;

    private const string Service = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"svc","namespace":"team-a","labels":{"app":"svc"}},
         "spec":{"selector":{"app":"svc","inference.llmkube.dev/service":"svc"},"ports":[{"port":8080}]}}
        """;

    private static T Decode<T>(string json)
        where T : class => KubernetesJsonNodes.FromUtf8<T>(System.Text.Encoding.UTF8.GetBytes(json));

    private static string Encode(object value) => JsonSerializer.Serialize(value, value.GetType(), KubernetesJsonNodes.Options);

    [Fact]
    public void A_compacted_object_writes_exactly_the_json_it_was_decoded_from()
    {
        Assert.Equal(Encode(Decode<V1Deployment>(Deployment)), Encode(CompactMaps.Compact(Decode<V1Deployment>(Deployment))));
        Assert.Equal(Encode(Decode<V1Service>(Service)), Encode(CompactMaps.Compact(Decode<V1Service>(Service))));
    }

    [Fact]
    public void Labels_annotations_and_selectors_become_read_only_maps_and_equal_template_labels_are_shared()
    {
        var deployment = CompactMaps.Compact(Decode<V1Deployment>(Deployment));
        var service = CompactMaps.Compact(Decode<V1Service>(Service));

        Assert.IsType<ReadOnlyStringMap>(deployment.Metadata.Labels);
        Assert.IsType<ReadOnlyStringMap>(deployment.Metadata.Annotations);
        Assert.IsType<ReadOnlyStringMap>(deployment.Spec.Selector.MatchLabels);
        Assert.IsType<ReadOnlyStringMap>(deployment.Spec.Template.Metadata.Annotations);
        Assert.IsType<ReadOnlyStringMap>(service.Metadata.Labels);
        Assert.IsType<ReadOnlyStringMap>(service.Spec.Selector);
        // the same labels: one instance
        Assert.Same(deployment.Metadata.Labels, deployment.Spec.Template.Metadata.Labels);
        // what the compaction does not cover keeps its decoded type
        Assert.IsType<Dictionary<string, string>>(deployment.Spec.Template.Spec.NodeSelector);
    }

    [Theory]
    [InlineData("\"x\":\"\"}", "\"x\":\"y\"}")] // another value
    [InlineData("\"app\":\"svc\",\"inference.llmkube.dev/model\":\"m\",\"inference.llmkube.dev/service\":\"svc\",\"x\":\"\"}", "\"inference.llmkube.dev/model\":\"m\",\"app\":\"svc\",\"inference.llmkube.dev/service\":\"svc\",\"x\":\"\"}")] // another order
    public void Template_labels_that_differ_in_value_or_order_are_kept_apart(string metadataLabels, string templateLabels)
    {
        var template = Deployment.Substring(Deployment.IndexOf("\"template\"", StringComparison.Ordinal));
        var json = Deployment.Replace(template, template.Replace(metadataLabels, templateLabels, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.NotEqual(Deployment, json);

        var deployment = CompactMaps.Compact(Decode<V1Deployment>(json));

        Assert.NotSame(deployment.Metadata.Labels, deployment.Spec.Template.Metadata.Labels);
        Assert.Equal(Encode(Decode<V1Deployment>(json)), Encode(deployment));
    }

    [Fact]
    public void A_map_reads_like_the_dictionary_it_replaces()
    {
        var source = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "" };
        IDictionary<string, string> map = new ReadOnlyStringMap(source);

        Assert.Equal(3, map.Count);
        Assert.True(map.IsReadOnly);
        Assert.Equal("2", map["b"]);
        Assert.True(map.TryGetValue("c", out var empty) && empty.Length == 0);
        Assert.False(map.TryGetValue("B", out _)); // ordinal, as labels are
        Assert.True(map.ContainsKey("a"));
        Assert.True(map.Contains(new("a", "1")));
        Assert.False(map.Contains(new("a", "2")));
        Assert.Throws<KeyNotFoundException>(() => map["z"]);
        Assert.Equal(source.ToList(), map.ToList());
        Assert.Equal(source.Keys, map.Keys);
        Assert.Equal(source.Values, map.Values);
        Assert.Equal(source.Keys, ((IReadOnlyDictionary<string, string>)map).Keys);
        var copy = new KeyValuePair<string, string>[4];
        map.CopyTo(copy, 1);
        Assert.Equal(source.ToList(), copy.Skip(1));
        Assert.Equal(source, new Dictionary<string, string>(map));
    }

    [Fact]
    public void Writing_to_a_cached_map_throws_instead_of_changing_what_every_reader_sees()
    {
        var deployment = CompactMaps.Compact(Decode<V1Deployment>(Deployment));
        var labels = deployment.Metadata.Labels;

        var error = Assert.Throws<NotSupportedException>(() => labels["app"] = "other");
        Assert.Contains("DeepCopy", error.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => labels.Add("k", "v"));
        Assert.Throws<NotSupportedException>(() => labels.Add(new KeyValuePair<string, string>("k", "v")));
        Assert.Throws<NotSupportedException>(() => labels.Remove("app"));
        Assert.Throws<NotSupportedException>(() => labels.Remove(new KeyValuePair<string, string>("app", "svc")));
        Assert.Throws<NotSupportedException>(labels.Clear);
        Assert.Equal("svc", labels["app"]);

        // a deep copy, as reconcilers make before changing anything, is an ordinary dictionary again
        var copy = ObjectCopy.DeepCopy(deployment);
        copy.Metadata.Labels["app"] = "other";
        Assert.Equal("other", copy.Metadata.Labels["app"]);
        Assert.Equal("svc", labels["app"]);
    }

    [Fact]
    public void Large_maps_and_missing_maps_are_left_alone()
    {
        var large = Enumerable.Range(0, CompactMaps.MaxEntries + 1).ToDictionary(i => $"k{i}", i => $"v{i}");
        var atLimit = Enumerable.Range(0, CompactMaps.MaxEntries).ToDictionary(i => $"k{i}", i => $"v{i}");

        Assert.Same(large, CompactMaps.Compact(large));
        Assert.IsType<ReadOnlyStringMap>(CompactMaps.Compact(atLimit));
        Assert.Null(CompactMaps.Compact((IDictionary<string, string>?)null));
        var pod = CompactMaps.Compact(new V1Pod());
        Assert.Null(pod.Metadata);
    }
}

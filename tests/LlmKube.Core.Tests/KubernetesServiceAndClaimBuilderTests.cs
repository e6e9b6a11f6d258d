using LlmKube.Api;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class KubernetesServiceAndClaimBuilderTests
{
    [Fact]
    public void Service_targets_the_named_port_not_endpoint_port()
    {
        var service = State(service: Service(s => { s.ContainerPort = 9000; s.Endpoint = new() { Port = 80 }; })).KubernetesService!;

        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(("http", 80, "http"), (port.Name, port.Port, port.TargetPort.Value));
        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "chat", ["inference.llmkube.dev/service"] = "chat" }, service.Spec.Selector);
        Assert.Equal("isvc-uid", service.Metadata.OwnerReferences.Single().Uid);
    }

    [Fact]
    public void Service_name_replaces_dots()
    {
        Assert.Equal("llama-3-2", State(service: Service(name: "llama.3.2")).KubernetesService!.Metadata.Name);
    }

    [Theory]
    [InlineData(ServiceTypes.NodePort, 30080)]
    [InlineData(ServiceTypes.ClusterIP, null)]
    [InlineData(ServiceTypes.LoadBalancer, null)]
    public void NodePort_is_pinned_only_for_NodePort_services(string type, int? expected)
    {
        var port = State(service: Service(s => s.Endpoint = new() { Type = type, NodePort = 30080 })).KubernetesService!.Spec.Ports.Single();

        Assert.Equal(expected, port.NodePort);
    }

    [Fact]
    public void Endpoint_url_uses_service_name_namespace_port_and_path()
    {
        Assert.Equal($"http://chat.{Namespace}.svc.cluster.local:8080/v1/chat/completions", KubernetesServiceBuilder.EndpointUrl(Service()));
        Assert.Equal($"http://chat.{Namespace}.svc.cluster.local:9090/v1/embeddings", KubernetesServiceBuilder.EndpointUrl(Service(s => s.Endpoint = new() { Port = 9090, Path = "/v1/embeddings" })));
    }

    [Fact]
    public void Shared_claim_is_unowned_labelled_rwo_100Gi_in_the_service_namespace()
    {
        var claim = State().Claim!;

        Assert.Equal(("llmkube-model-cache", Namespace), (claim.Metadata.Name, claim.Metadata.NamespaceProperty));
        Assert.Null(claim.Metadata.OwnerReferences);
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
        Assert.Equal("100Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Null(claim.Spec.StorageClassName);
        Assert.Equal("llmkube", claim.Metadata.Labels["app.kubernetes.io/name"]);
        Assert.Equal("model-cache", claim.Metadata.Labels["app.kubernetes.io/component"]);
        Assert.Equal("llmkube-controller", claim.Metadata.Labels["app.kubernetes.io/managed-by"]);
    }

    [Fact]
    public void Shared_claim_honours_size_class_and_exactly_ReadWriteMany()
    {
        var options = Options(o => o with { ModelCacheSize = "50Gi", ModelCacheStorageClass = "fast-ssd", ModelCacheAccessMode = "ReadWriteMany" });
        var claim = State(options: options).Claim!;

        Assert.Equal("50Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Equal("fast-ssd", claim.Spec.StorageClassName);
        Assert.Equal(["ReadWriteMany"], claim.Spec.AccessModes);
        Assert.Equal(["ReadWriteOnce"], State(options: Options(o => o with { ModelCacheAccessMode = "readwritemany" })).Claim!.Spec.AccessModes);
    }

    [Fact]
    public void PerService_claim_is_owned_by_the_service_and_always_rwo()
    {
        var options = Options(o => o with { ModelCacheMode = CacheModes.PerService, ModelCacheAccessMode = "ReadWriteMany" });
        var claim = State(options: options).Claim!;

        Assert.Equal("chat-model-cache", claim.Metadata.Name);
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
        Assert.Null(claim.Spec.StorageClassName);
        var owner = Assert.Single(claim.Metadata.OwnerReferences);
        Assert.Equal(("InferenceService", "chat", "isvc-uid", true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal("chat", claim.Metadata.Labels["inference.llmkube.dev/service"]);
    }

    [Theory]
    [InlineData(CacheModes.Shared)]
    [InlineData(CacheModes.PerService)]
    public void A_users_claim_is_never_built_by_the_operator(string mode)
    {
        var state = State(service: Service(s => s.ModelCache = new() { ClaimName = "my-cache" }), options: Options(o => o with { ModelCacheMode = mode }));

        Assert.Null(state.Claim);
        Assert.Equal("my-cache", Pod(state).Volumes.Single(v => v.Name == "model-cache").PersistentVolumeClaim.ClaimName);
        Assert.Equal(["model-cache-prep", "model-downloader"], Pod(state).InitContainers.Select(c => c.Name));
    }

    [Theory]
    [InlineData("https://example.com/m.gguf", true)]
    [InlineData("http://example.com/m.gguf", true)]
    [InlineData("s3://bucket/m.gguf", true)]
    [InlineData("pvc://claim/m.gguf", false)]
    public void Claims_are_provisioned_only_for_cached_sources(string source, bool provisions)
    {
        Assert.Equal(provisions, State(Model(source)).Claim is not null);
    }

    [Fact]
    public void No_claim_without_a_key_with_caching_disabled_with_Ephemeral_or_with_skipModelInit()
    {
        Assert.Null(State(Model(withStatusKey: false)).Claim);
        Assert.Null(State(options: Options(o => o with { ModelCacheEnabled = false })).Claim);
        Assert.Null(State(service: Service(s => s.ModelCache = new() { Persistence = CachePersistence.Ephemeral })).Claim);
        Assert.Null(State(service: Service(s => s.SkipModelInit = true)).Claim);
    }
}

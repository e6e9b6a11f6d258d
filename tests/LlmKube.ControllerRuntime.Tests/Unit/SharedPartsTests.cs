using System.Text.Json;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class SharedPartsTests
{
    // An operator-built Deployment's shape: an init container and a server container with the same hardening,
    // resources, probes and mounts in every service; per-service values in names, labels, args and env.
    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME","namespace":"team-a","uid":"UID","resourceVersion":"RV",
         "labels":{"inference.llmkube.dev/service":"NAME"}},
         "spec":{"replicas":1,"selector":{"matchLabels":{"inference.llmkube.dev/service":"NAME"}},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
          "template":{"metadata":{"labels":{"inference.llmkube.dev/service":"NAME"}},"spec":{
           "initContainers":[{"name":"fetch","image":"fetcher:1","env":[{"name":"DEST","value":"/models/NAME.gguf"}],
            "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"seccompProfile":{"type":"RuntimeDefault"}},
            "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"MEM"}},
            "volumeMounts":[{"name":"model-cache","mountPath":"/models"}]}],
           "containers":[{"name":"llama-server","image":"server:1","args":["--model","/models/NAME.gguf"],
            "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
            "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"seccompProfile":{"type":"RuntimeDefault"}},
            "resources":{"requests":{"cpu":"1","memory":"MEM"},"limits":{"memory":"MEM"}},
            "readinessProbe":{"httpGet":{"path":"/health","port":"http"},"periodSeconds":5},
            "livenessProbe":{"httpGet":{"path":"/health","port":"http"},"periodSeconds":5},
            "volumeMounts":[{"name":"model-cache","mountPath":"/models","readOnly":true}]}],
           "securityContext":{"fsGroup":1000,"seccompProfile":{"type":"RuntimeDefault"}},
           "volumes":[{"name":"model-cache","persistentVolumeClaim":{"claimName":"llmkube-model-cache"}}],
           "automountServiceAccountToken":false}}},
         "status":{"replicas":1,"conditions":[{"type":"Available","status":"True","lastTransitionTime":"2026-12-05T10:00:00Z"}]}}
        """;

    private static string Json(string name, string memory = "2Gi") =>
        Deployment.Replace("NAME", name).Replace("UID", $"uid-{name}").Replace("RV", "1").Replace("MEM", memory);

    private static V1Deployment Decode(string json) => KubernetesJsonNodes.FromUtf8<V1Deployment>(System.Text.Encoding.UTF8.GetBytes(json));

    private static string Encode(object value) => JsonSerializer.Serialize(value, value.GetType(), KubernetesJsonNodes.Options);

    [Fact]
    public void Equal_parts_of_separately_decoded_deployments_become_one_instance()
    {
        var parts = new SharedParts();
        var a = parts.Share(Decode(Json("svc-1")));
        var b = parts.Share(Decode(Json("svc-2")));

        var (podA, podB) = (a.Spec.Template.Spec, b.Spec.Template.Spec);
        Assert.Same(podA.Containers[0].SecurityContext, podB.Containers[0].SecurityContext);
        Assert.Same(podA.Containers[0].Resources, podB.Containers[0].Resources);
        Assert.Same(podA.Containers[0].ReadinessProbe, podB.Containers[0].ReadinessProbe);
        Assert.Same(podA.Containers[0].VolumeMounts, podB.Containers[0].VolumeMounts);
        Assert.Same(podA.Containers[0].Ports, podB.Containers[0].Ports);
        Assert.Same(podA.InitContainers[0].Resources, podB.InitContainers[0].Resources);
        Assert.Same(podA.SecurityContext, podB.SecurityContext);
        Assert.Same(podA.Volumes, podB.Volumes);
        Assert.Same(a.Spec.Strategy, b.Spec.Strategy);
        // Equal JSON within one object: the liveness probe is the readiness probe's twin; the init container's
        // hardening equals the server's.
        Assert.Same(podA.Containers[0].LivenessProbe, podA.Containers[0].ReadinessProbe);
        Assert.Same(podA.InitContainers[0].SecurityContext, podA.Containers[0].SecurityContext);

        // Per-service values stay per service.
        Assert.NotSame(podA.Containers[0].Args, podB.Containers[0].Args);
        Assert.NotSame(podA.InitContainers[0].Env, podB.InitContainers[0].Env);
        Assert.Equal("/models/svc-2.gguf", podB.Containers[0].Args[1]);
    }

    [Fact]
    public void A_shared_object_writes_exactly_the_json_it_was_decoded_from()
    {
        var parts = new SharedParts();
        parts.Share(Decode(Json("svc-0")));
        foreach (var (name, memory) in new[] { ("svc-1", "2Gi"), ("svc-2", "4Gi"), ("svc-1", "2Gi") })
        {
            var json = Json(name, memory);
            Assert.Equal(Encode(Decode(json)), Encode(parts.Share(Decode(json))));
        }
    }

    [Fact]
    public void Different_parts_stay_apart_and_kinds_with_equal_json_do_not_meet()
    {
        var parts = new SharedParts();
        var small = parts.Share(Decode(Json("svc-1", "2Gi"))).Spec.Template.Spec;
        var large = parts.Share(Decode(Json("svc-2", "4Gi"))).Spec.Template.Spec;

        Assert.NotSame(small.Containers[0].Resources, large.Containers[0].Resources);
        Assert.Equal("4Gi", large.Containers[0].Resources.Limits["memory"].ToString());
        Assert.Same(small.Containers[0].SecurityContext, large.Containers[0].SecurityContext);

        // "{}" as a container's and as a pod's security context: two types, two instances.
        var empty = Decode(Json("svc-3").Replace("\"securityContext\":{\"fsGroup\":1000,\"seccompProfile\":{\"type\":\"RuntimeDefault\"}}", "\"securityContext\":{}"));
        empty.Spec.Template.Spec.Containers[0].SecurityContext = new V1SecurityContext();
        parts.Share(empty);
        Assert.IsType<V1PodSecurityContext>(empty.Spec.Template.Spec.SecurityContext);
        Assert.IsType<V1SecurityContext>(empty.Spec.Template.Spec.Containers[0].SecurityContext);
    }

    [Fact]
    public void The_table_is_bounded_starts_over_when_full_and_skips_large_parts()
    {
        var parts = new SharedParts(capacity: 8);
        for (var i = 0; i < 50; i++)
        {
            // Every Deployment brings a new memory size: distinct resources for both containers.
            parts.Share(Decode(Json($"svc-{i}", $"{i + 1}Gi")));
            Assert.InRange(parts.Count, 1, parts.Capacity);
        }

        Assert.True(parts.Resets > 0);

        var tiny = new SharedParts(maxBytes: 16);
        var a = tiny.Share(Decode(Json("svc-1"))).Spec.Template.Spec;
        var b = tiny.Share(Decode(Json("svc-2"))).Spec.Template.Spec;
        Assert.NotSame(a.Containers[0].SecurityContext, b.Containers[0].SecurityContext);
        Assert.Equal(Encode(a.Containers[0].SecurityContext), Encode(b.Containers[0].SecurityContext));
    }

    [Fact]
    public void Services_and_pods_share_their_parts_and_other_kinds_pass_through()
    {
        var parts = new SharedParts();
        V1Service Service(string name) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-a" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http" }], IpFamilies = ["IPv4"] },
        };
        var (s1, s2) = (parts.Share(Service("a")), parts.Share(Service("b")));
        Assert.Same(s1.Spec.Ports, s2.Spec.Ports);
        Assert.Same(s1.Spec.IpFamilies, s2.Spec.IpFamilies);

        var pod = parts.Share(new V1Pod { Spec = KubernetesJsonNodes.DeepCopy(Decode(Json("svc-1")).Spec.Template.Spec) });
        var deployment = parts.Share(Decode(Json("svc-2")));
        Assert.Same(pod.Spec.Containers[0].SecurityContext, deployment.Spec.Template.Spec.Containers[0].SecurityContext);

        var map = new V1ConfigMap { Data = new Dictionary<string, string> { ["k"] = "v" } };
        Assert.Same(map, parts.Share(map));
        Assert.Same(map.Data, parts.Share(map).Data);
    }

    [Fact]
    public void Resources_are_shared_only_when_they_write_the_same_json()
    {
        var parts = new SharedParts();
        V1Container Container(params (string Name, string Quantity)[] requests) => new()
        {
            Name = "c",
            Resources = new V1ResourceRequirements { Requests = requests.ToDictionary(r => r.Name, r => new ResourceQuantity(r.Quantity)) },
        };
        V1ResourceRequirements Shared(V1Container container) =>
            parts.Share(new V1Pod { Spec = new V1PodSpec { Containers = [container] } }).Spec.Containers[0].Resources;

        var first = Shared(Container(("cpu", "1"), ("memory", "2Gi")));
        Assert.Same(first, Shared(Container(("cpu", "1"), ("memory", "2Gi"))));
        // "1000m" is written as "1": the same JSON, so the same instance.
        Assert.Same(first, Shared(Container(("cpu", "1000m"), ("memory", "2Gi"))));
        // The same value in another format, or the same entries in another order, write other JSON.
        Assert.NotSame(first, Shared(Container(("cpu", "1"), ("memory", "2147483648"))));
        Assert.NotSame(first, Shared(Container(("memory", "2Gi"), ("cpu", "1"))));
        Assert.NotSame(first, Shared(Container(("cpu", "2"), ("memory", "2Gi"))));
        foreach (var requests in new[] { new[] { ("cpu", "1000m"), ("memory", "2Gi") }, [("cpu", "1"), ("memory", "2147483648")], [("memory", "2Gi"), ("cpu", "1")] })
        {
            var container = Container(requests);
            var json = Encode(container);
            Assert.Equal(json, Encode(parts.Share(new V1Pod { Spec = new V1PodSpec { Containers = [container] } }).Spec.Containers[0]));
        }
    }
}

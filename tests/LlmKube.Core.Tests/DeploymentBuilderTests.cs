using k8s.Models;
using LlmKube.Api;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class DeploymentBuilderTests
{
    [Fact]
    public void Deployment_is_named_labelled_and_owned_by_the_service()
    {
        var deployment = State().Deployment!;

        Assert.Equal(("chat", Namespace), (deployment.Metadata.Name, deployment.Metadata.NamespaceProperty));
        Assert.Equal("chat", deployment.Metadata.Labels["app"]);
        Assert.Equal("tiny", deployment.Metadata.Labels["inference.llmkube.dev/model"]);
        Assert.Equal("chat", deployment.Metadata.Labels["inference.llmkube.dev/service"]);
        Assert.Equal("llamacpp", deployment.Metadata.Labels["inference.llmkube.dev/runtime"]);
        var owner = Assert.Single(deployment.Metadata.OwnerReferences);
        Assert.Equal(("InferenceService", "chat", "isvc-uid", true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "chat", ["inference.llmkube.dev/service"] = "chat" }, deployment.Spec.Selector.MatchLabels);
    }

    [Theory]
    [InlineData(null, null, 1)]
    [InlineData(3, null, 3)]
    [InlineData(0, null, 0)]
    [InlineData(3, true, 0)]
    public void Replicas_follow_spec_and_suspend(int? replicas, bool? suspend, int expected)
    {
        Assert.Equal(expected, State(service: Service(s => { s.Replicas = replicas; s.Suspend = suspend; })).Deployment!.Spec.Replicas);
    }

    [Fact]
    public void Pod_labels_keep_user_labels_but_operator_labels_win()
    {
        var template = State(service: Service(s => s.PodLabels = new Dictionary<string, string> { ["team"] = "ml", ["app"] = "hijack" })).Deployment!.Spec.Template.Metadata.Labels;

        Assert.Equal("ml", template["team"]);
        Assert.Equal("chat", template["app"]);
    }

    [Fact]
    public void Server_exposes_the_named_http_port_with_health_probes()
    {
        var server = Server(State(service: Service(s => s.ContainerPort = 9000)));

        var port = Assert.Single(server.Ports);
        Assert.Equal(("http", 9000), (port.Name, port.ContainerPort));
        Assert.Equal(("/health", "http"), (server.StartupProbe.HttpGet.Path, server.StartupProbe.HttpGet.Port.Value));
        Assert.Equal((10, 5, 180), (server.StartupProbe.PeriodSeconds, server.StartupProbe.TimeoutSeconds, server.StartupProbe.FailureThreshold));
        Assert.Equal((15, 3), (server.LivenessProbe.PeriodSeconds, server.LivenessProbe.FailureThreshold));
        Assert.Equal((10, 3), (server.ReadinessProbe.PeriodSeconds, server.ReadinessProbe.FailureThreshold));
        Assert.Equal("FallbackToLogsOnError", server.TerminationMessagePolicy);
    }

    [Fact]
    public void Probe_overrides_replace_the_defaults()
    {
        var server = Server(State(service: Service(s => s.ProbeOverrides = new() { Liveness = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 9 } } })));

        Assert.Equal("9", server.LivenessProbe.TcpSocket.Port.Value);
        Assert.Equal(180, server.StartupProbe.FailureThreshold);
    }

    [Theory]
    [InlineData(null, null, false, "ghcr.io/ggml-org/llama.cpp:server")]
    [InlineData(true, null, false, "ghcr.io/ggml-org/llama.cpp:server-cuda")]
    [InlineData(null, 1, false, "ghcr.io/ggml-org/llama.cpp:server-cuda")]
    [InlineData(true, 1, true, "mine:1")]
    public void Image_is_the_users_else_cuda_for_nvidia_gpus_else_cpu(bool? enabled, int? count, bool userImage, string image)
    {
        var state = State(Model(configure: m => m.Hardware = new() { Gpu = new() { Enabled = enabled, Count = count } }), Service(s => s.Image = userImage ? "mine:1" : null));

        Assert.Equal(image, Server(state).Image);
    }

    [Fact]
    public void Gpu_pods_request_the_resource_tolerate_its_taint_and_recreate()
    {
        var state = State(Model(configure: m => m.Hardware = new() { Gpu = new() { Count = 2 } }), Service(s => s.Tolerations = [new V1Toleration { Key = "spot", OperatorProperty = "Exists" }]));
        var pod = Pod(state);

        Assert.Equal("2", Server(state).Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal(("nvidia.com/gpu", "Equal", "present", "NoSchedule"), (pod.Tolerations[0].Key, pod.Tolerations[0].OperatorProperty, pod.Tolerations[0].Value, pod.Tolerations[0].Effect));
        Assert.Equal("spot", pod.Tolerations[1].Key);
        Assert.Equal("Recreate", state.Deployment!.Spec.Strategy.Type);
    }

    [Fact]
    public void Resource_name_and_toleration_key_overrides_apply()
    {
        var state = State(Model(configure: m => m.Hardware = new() { Gpu = new() { Count = 1, ResourceName = "nvidia.com/mig-1g.10gb", TolerationKey = "gpu-pool" } }));

        Assert.True(Server(state).Resources.Limits.ContainsKey("nvidia.com/mig-1g.10gb"));
        Assert.Equal("gpu-pool", Pod(state).Tolerations.Single().Key);
    }

    [Fact]
    public void Cpu_pods_use_rolling_updates_and_no_gpu_toleration()
    {
        var state = State();

        Assert.Null(state.Deployment!.Spec.Strategy);
        Assert.Null(Pod(state).Tolerations);
    }

    [Fact]
    public void Resources_are_requests_with_host_memory_winning_and_ephemeral_storage_as_request_and_limit()
    {
        var resources = Server(State(service: Service(s => s.Resources = new() { Cpu = "2", Memory = "4Gi", HostMemory = "48Gi", EphemeralStorage = "40Gi" }))).Resources;

        Assert.Equal("2", resources.Requests["cpu"].ToString());
        Assert.Equal("48Gi", resources.Requests["memory"].ToString());
        Assert.Equal("40Gi", resources.Requests["ephemeral-storage"].ToString());
        Assert.Equal("40Gi", resources.Limits["ephemeral-storage"].ToString());
        Assert.False(resources.Limits.ContainsKey("cpu"));
    }

    [Fact]
    public void No_resources_means_no_requirements_block()
    {
        Assert.Null(Server(State()).Resources);
    }

    [Fact]
    public void Default_pod_security_is_seccomp_and_the_operator_fsGroup_and_no_token()
    {
        var pod = Pod(State());

        Assert.Equal(("RuntimeDefault", 102L), (pod.SecurityContext.SeccompProfile.Type, pod.SecurityContext.FsGroup));
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.False(pod.Containers[0].SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], pod.Containers[0].SecurityContext.Capabilities.Drop);
    }

    [Fact]
    public void A_zero_operator_fsGroup_sets_none()
    {
        Assert.Null(Pod(State(options: Options(o => o with { DefaultFsGroup = 0 }))).SecurityContext.FsGroup);
    }

    [Fact]
    public void User_security_contexts_replace_the_defaults_entirely()
    {
        var state = State(service: Service(s =>
        {
            s.PodSecurityContext = new V1PodSecurityContext { RunAsUser = 1000 };
            s.SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true };
        }));

        Assert.Null(Pod(state).SecurityContext.FsGroup);
        Assert.Equal(1000, Pod(state).SecurityContext.RunAsUser);
        Assert.Null(Server(state).SecurityContext.Capabilities);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(Priorities.High, null, "llmkube-high")]
    [InlineData(Priorities.High, "custom", "custom")]
    public void Priority_class_is_set_only_when_asked(string? priority, string? className, string? expected)
    {
        Assert.Equal(expected, Pod(State(service: Service(s => { s.Priority = priority; s.PriorityClassName = className; }))).PriorityClassName);
    }

    [Fact]
    public void Scheduling_and_pass_through_fields_reach_the_pod()
    {
        var state = State(service: Service(s =>
        {
            s.NodeSelector = new Dictionary<string, string> { ["pool"] = "gpu" };
            s.RuntimeClassName = "nvidia";
            s.ImagePullSecrets = [new V1LocalObjectReference { Name = "regcred" }];
            s.PodAnnotations = new Dictionary<string, string> { ["a"] = "b" };
            s.Env = [new V1EnvVar { Name = "HF_HUB_OFFLINE", Value = "1" }];
            s.ExtraVolumes = [new V1Volume { Name = "shm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } }];
            s.ExtraVolumeMounts = [new V1VolumeMount { Name = "shm", MountPath = "/dev/shm" }];
            s.RevisionHistoryLimit = 2;
        }));
        var pod = Pod(state);

        Assert.Equal("gpu", pod.NodeSelector["pool"]);
        Assert.Equal("nvidia", pod.RuntimeClassName);
        Assert.Equal("regcred", pod.ImagePullSecrets.Single().Name);
        Assert.Equal("b", state.Deployment!.Spec.Template.Metadata.Annotations["a"]);
        Assert.Equal("1", Env(pod.Containers[0], "HF_HUB_OFFLINE"));
        Assert.Equal(["model-cache", "shm"], pod.Volumes.Select(v => v.Name));
        Assert.Equal(["model-cache", "shm"], pod.Containers[0].VolumeMounts.Select(m => m.Name));
        Assert.Equal(2, state.Deployment.Spec.RevisionHistoryLimit);
    }
}

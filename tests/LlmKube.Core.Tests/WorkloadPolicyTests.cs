using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Validation;
using LlmKube.Core.Builders;
using LlmKube.Core.Policy;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

/// <summary>
/// The workload policy (issue 19): what a namespace user may put into the pods through an InferenceService, and the
/// proof that the pods the operator generates by default pass Pod Security baseline.
/// </summary>
public class WorkloadPolicyTests
{
    public static TheoryData<string, string, string> Violations => new()
    {
        { "privileged", "spec.securityContext.privileged", "--pod-security-level=privileged" },
        { "capability", "spec.securityContext.capabilities.add", "--pod-security-level=privileged" },
        { "seccomp", "spec.podSecurityContext.seccompProfile.type", "--pod-security-level=privileged" },
        { "container-seccomp", "spec.securityContext.seccompProfile.type", "--pod-security-level=privileged" },
        { "sysctl", "spec.podSecurityContext.sysctls", "--pod-security-level=privileged" },
        { "probe-host", "spec.probeOverrides.liveness.httpGet.host", "--pod-security-level=privileged" },
        { "system-priority", "spec.priorityClassName", "--pod-security-level=privileged" },
        { "token", "spec.extraVolumes[0].projected.sources.serviceAccountToken", "--pod-security-level=privileged" },
        { "host-root", "spec.extraVolumes[0].hostPath.path", "--allowed-host-path-roots" },
        { "host-dotdot", "spec.extraVolumes[0].hostPath.path", "--allowed-host-path-roots" },
        { "image", "spec.image", "--allowed-images" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Each_violation_builds_nothing_and_names_the_field_and_the_flag(string attack, string field, string flag)
    {
        var state = State(service: Service(s => Attack(attack, s)), options: Options(o => o with { AllowedHostPathRoots = ["/srv/models"], AllowedImages = ["ghcr.io/ggml-org/"] }));

        Assert.False(state.Serves);
        Assert.Null(state.Claim);
        var issue = Assert.Single(state.Blocking);
        Assert.Equal((Reasons.PolicyViolation, field), (issue.Reason, issue.Field));
        Assert.Contains(flag, issue.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("privileged")]
    [InlineData("capability")]
    [InlineData("sysctl")]
    [InlineData("probe-host")]
    [InlineData("system-priority")]
    public void The_privileged_level_allows_what_baseline_refuses(string attack)
    {
        var state = State(service: Service(s => Attack(attack, s)), options: Options(o => o with { PodSecurityLevel = PodSecurityLevels.Privileged }));

        Assert.True(state.Serves, string.Join("; ", state.Issues));
    }

    [Fact]
    public void Host_paths_stay_inside_the_allowed_roots_at_every_level_and_an_allowed_one_is_built()
    {
        var outside = State(service: Service(s => Attack("host-root", s)), options: Options(o => o with { PodSecurityLevel = PodSecurityLevels.Privileged }));
        var inside = State(service: Service(s => s.ExtraVolumes = [new V1Volume { Name = "weights", HostPath = new V1HostPathVolumeSource { Path = "/srv/models/llama" } }]),
            options: Options(o => o with { AllowedHostPathRoots = ["/srv/models"] }));

        Assert.Equal("spec.extraVolumes[0].hostPath.path", Assert.Single(outside.Blocking).Field);
        Assert.True(inside.Serves, string.Join("; ", inside.Issues));
    }

    [Theory]
    [InlineData(PodStorage.CacheVolume)]
    [InlineData(PodStorage.SourceVolume)]
    [InlineData(PodStorage.HostModelVolume)]
    [InlineData(PodStorage.EphemeralVolume)]
    public void The_operators_own_volumes_are_never_the_users_to_mount_or_shadow(string volume)
    {
        var settings = Options(o => o with { PodSecurityLevel = PodSecurityLevels.Privileged });
        var mount = State(service: Service(s => s.ExtraVolumeMounts = [new V1VolumeMount { Name = volume, MountPath = "/steal" }]), options: settings);
        var shadow = State(service: Service(s => s.ExtraVolumes = [new V1Volume { Name = volume, EmptyDir = new V1EmptyDirVolumeSource() }]), options: settings);

        Assert.Equal(("spec.extraVolumeMounts[0].name", IssueSeverity.Invalid), (Assert.Single(mount.Blocking).Field, mount.Blocking.Single().Severity));
        Assert.Equal("spec.extraVolumes[0].name", Assert.Single(shadow.Blocking).Field);
    }

    [Fact]
    public void An_image_with_an_allowed_prefix_and_the_default_images_are_built()
    {
        var settings = Options(o => o with { AllowedImages = ["ghcr.io/ggml-org/"] });

        Assert.True(State(service: Service(s => s.Image = "ghcr.io/ggml-org/llama.cpp:server-b5000"), options: settings).Serves);
        Assert.True(State(options: settings).Serves);
    }

    public static TheoryData<string> DefaultPods => ["shared cache", "emptyDir", "pvc source", "skipModelInit", "user claim"];

    /// <summary>
    /// Every pod the operator generates by default passes baseline; restricted fails only on the fields named here:
    /// the prep container runs as root with CHOWN and FOWNER (it fixes the claim root's owner), and the server sets no
    /// runAsNonRoot because the llama.cpp images run as root (set spec.securityContext to run it as another user).
    /// </summary>
    [Theory]
    [MemberData(nameof(DefaultPods))]
    public void Default_pods_pass_baseline_and_restricted_fails_only_on_the_named_fields(string shape)
    {
        var (model, service, settings) = shape switch
        {
            "shared cache" => (Model(), Service(), Options()),
            "emptyDir" => (Model(), Service(), Options(o => o with { ModelCacheEnabled = false })),
            "pvc source" => (Model("pvc://store/llama/m.gguf"), Service(), Options()),
            "skipModelInit" => (Model(), Service(s => s.SkipModelInit = true), Options()),
            _ => (Model(), Service(s => s.ModelCache = new() { ClaimName = "mine" }), Options()),
        };
        var pod = Pod(DesiredState.For(model, service, settings));

        Assert.Empty(PodSecurityStandards.Baseline(pod));
        var expected = new List<string>();
        if (pod.InitContainers?.Any(c => c.Name == FetcherContainers.PrepName) == true)
        {
            expected.AddRange([
                "spec.initContainers[model-cache-prep].securityContext.runAsNonRoot: must be true",
                "spec.initContainers[model-cache-prep].securityContext.runAsUser: 0",
                "spec.initContainers[model-cache-prep].securityContext.capabilities.add[CHOWN]: only NET_BIND_SERVICE",
                "spec.initContainers[model-cache-prep].securityContext.capabilities.add[FOWNER]: only NET_BIND_SERVICE",
            ]);
        }

        expected.Add("spec.containers[llama-server].securityContext.runAsNonRoot: must be true");
        Assert.Equal(expected, PodSecurityStandards.Restricted(pod));
    }

    /// <summary>
    /// The fetcher's containers are bounded (the memory limit guards the node against a runaway download), and each
    /// build gets its own resource maps: the quantities are shared between pods, so a change one pod's builder or a
    /// merge makes to its map must not reach the next tenant's pod.
    /// </summary>
    [Fact]
    public void Every_fetcher_container_is_bounded_and_no_pod_shares_its_resource_maps_with_another()
    {
        var first = Pod(DesiredState.For(Model(), Service(), Options()));
        var second = Pod(DesiredState.For(Model(), Service(), Options()));
        var fetchers = first.InitContainers.Zip(second.InitContainers).ToList();
        Assert.Equal([FetcherContainers.PrepName, FetcherContainers.DownloaderName], fetchers.Select(f => f.First.Name));

        foreach (var (mine, theirs) in fetchers)
        {
            Assert.Equal("100m", mine.Resources.Requests["cpu"].ToString());
            Assert.Equal("64Mi", mine.Resources.Requests["memory"].ToString());
            Assert.Equal("512Mi", mine.Resources.Limits["memory"].ToString());

            mine.Resources.Limits["memory"] = new ResourceQuantity("64Gi");
            mine.Resources.Requests.Remove("cpu");
            Assert.Equal("512Mi", theirs.Resources.Limits["memory"].ToString());
            Assert.Equal("100m", theirs.Resources.Requests["cpu"].ToString());
        }

        var third = Pod(DesiredState.For(Model(), Service(), Options()));
        Assert.All(third.InitContainers, c => Assert.Equal("512Mi", c.Resources.Limits["memory"].ToString()));
    }

    [Fact]
    public void The_checker_itself_catches_what_it_claims_to()
    {
        var pod = Pod(State(service: Service(s => Attack("privileged", s)), options: Options(o => o with { PodSecurityLevel = PodSecurityLevels.Privileged })));

        Assert.Contains("spec.containers[llama-server].securityContext.privileged", PodSecurityStandards.Baseline(pod));
    }

    private static void Attack(string attack, Api.Services.InferenceServiceSpec spec)
    {
        switch (attack)
        {
            case "privileged":
                spec.SecurityContext = new V1SecurityContext { Privileged = true };
                break;
            case "capability":
                spec.SecurityContext = new V1SecurityContext { Capabilities = new V1Capabilities { Add = ["SYS_ADMIN"] } };
                break;
            case "seccomp":
                spec.PodSecurityContext = new V1PodSecurityContext { SeccompProfile = new V1SeccompProfile { Type = "Unconfined" } };
                break;
            case "container-seccomp":
                spec.SecurityContext = new V1SecurityContext { SeccompProfile = new V1SeccompProfile { Type = "Unconfined" } };
                break;
            case "sysctl":
                spec.PodSecurityContext = new V1PodSecurityContext { Sysctls = [new V1Sysctl { Name = "kernel.msgmax", Value = "1" }] };
                break;
            case "probe-host":
                spec.ProbeOverrides = new() { Liveness = new V1Probe { HttpGet = new V1HTTPGetAction { Host = "169.254.169.254", Path = "/", Port = 80 } } };
                break;
            case "system-priority":
                spec.PriorityClassName = "system-node-critical";
                break;
            case "token":
                spec.ExtraVolumes = [new V1Volume { Name = "t", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token" } }] } }];
                break;
            case "host-root":
                spec.ExtraVolumes = [new V1Volume { Name = "etc", HostPath = new V1HostPathVolumeSource { Path = "/etc" } }];
                break;
            case "host-dotdot":
                spec.ExtraVolumes = [new V1Volume { Name = "etc", HostPath = new V1HostPathVolumeSource { Path = "/srv/models/../../etc" } }];
                break;
            case "image":
                spec.Image = "evil.example/miner:latest";
                break;
        }
    }
}

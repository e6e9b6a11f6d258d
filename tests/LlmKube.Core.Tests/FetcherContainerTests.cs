using LlmKube.Api;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using k8s.Models;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class FetcherContainerTests
{
    [Fact]
    public void Cached_path_runs_prep_then_downloader_from_the_fetcher_image_with_read_write_mounts()
    {
        var pod = Pod(State());

        Assert.Equal(["model-cache-prep", "model-downloader"], pod.InitContainers.Select(c => c.Name));
        Assert.All(pod.InitContainers, c =>
        {
            Assert.Equal("registry.local/fetch:1", c.Image);
            Assert.Equal(["llmkube-fetch"], c.Command);
            Assert.Equal("FallbackToLogsOnError", c.TerminationMessagePolicy);
            var mount = Assert.Single(c.VolumeMounts, m => m.Name == "model-cache");
            Assert.Equal("/models", mount.MountPath);
            Assert.NotEqual(true, mount.ReadOnlyProperty);
        });
        var volume = Assert.Single(pod.Volumes);
        Assert.Equal(("model-cache", "llmkube-model-cache"), (volume.Name, volume.PersistentVolumeClaim.ClaimName));
    }

    [Fact]
    public void Server_mounts_the_cache_read_only_and_loads_the_model_from_the_entry()
    {
        var server = Server(State());

        var mount = Assert.Single(server.VolumeMounts);
        Assert.Equal(("model-cache", "/models", true), (mount.Name, mount.MountPath, mount.ReadOnlyProperty));
        Assert.Equal(["--model", $"/models/{Key()}/tiny-Q4_K_M.gguf"], server.Args.Take(2));
    }

    [Fact]
    public void Downloader_gets_every_setting_as_environment_never_as_a_script()
    {
        var downloader = Init(State(Model(configure: m => { m.Sha256 = new string('A', 64); m.RefreshPolicy = RefreshPolicies.OnChange; })), "model-downloader");

        Assert.Equal(["fetch"], downloader.Args);
        Assert.Equal(HttpsSource, Env(downloader, "LLMKUBE_SOURCE"));
        Assert.Equal($"/models/{Key()}/tiny-Q4_K_M.gguf", Env(downloader, "LLMKUBE_DEST"));
        Assert.Equal(new string('a', 64), Env(downloader, "LLMKUBE_SHA256"));
        Assert.Equal("OnChange", Env(downloader, "LLMKUBE_REFRESH_POLICY"));
        Assert.Equal("1", Env(downloader, "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"));
        Assert.Null(Env(downloader, "LLMKUBE_FSYNC"));
        Assert.Null(Env(downloader, "LLMKUBE_FILES"));
        Assert.Null(downloader.EnvFrom);
    }

    [Fact]
    public void The_fetchers_network_allow_list_comes_only_from_the_operators_flag()
    {
        var closed = Init(State(), "model-downloader");
        var open = Init(State(options: Options(o => o with { FetcherAllowedNetworks = ["10.0.0.0/8", "192.168.5.0/24"] })), "model-downloader");

        Assert.Null(Env(closed, "LLMKUBE_ALLOWED_NETWORKS"));
        Assert.Equal("10.0.0.0/8,192.168.5.0/24", Env(open, "LLMKUBE_ALLOWED_NETWORKS"));
    }

    [Fact]
    public void An_unset_refresh_policy_is_IfNotPresent()
    {
        Assert.Equal("IfNotPresent", Env(Init(State(), "model-downloader"), "LLMKUBE_REFRESH_POLICY"));
    }

    [Fact]
    public void A_hostile_source_reaches_the_fetcher_verbatim_and_only_as_data()
    {
        const string hostile = "https://evil.example/$(reboot)`id`;x.gguf";
        var pod = Pod(State(Model(hostile)));

        Assert.All(pod.InitContainers.Concat(pod.Containers), c =>
        {
            Assert.DoesNotContain(c.Command ?? [], part => part.Contains("evil", StringComparison.Ordinal));
            Assert.DoesNotContain(c.Args ?? [], part => part.Contains("$(", StringComparison.Ordinal) || part.Contains('`', StringComparison.Ordinal));
        });
        Assert.Equal(hostile, Env(Init(State(Model(hostile)), "model-downloader"), "LLMKUBE_SOURCE"));
    }

    [Fact]
    public void Multi_file_models_stage_every_file_into_the_entry_directory()
    {
        var state = State(Model("hf://org/repo@v2", m => { m.Files = ["a.gguf", "MTP/b.gguf"]; m.Mmproj = "mm/proj.gguf"; }, withStatusKey: false));
        var downloader = Init(state, "model-downloader");
        var key = Key("hf://org/repo@v2");

        Assert.Equal("hf://org/repo@v2", Env(downloader, "LLMKUBE_SOURCE"));
        Assert.Equal($"/models/{key}", Env(downloader, "LLMKUBE_DEST_DIR"));
        Assert.Equal("a.gguf\nMTP/b.gguf\nmm/proj.gguf", Env(downloader, "LLMKUBE_FILES"));
        Assert.Null(Env(downloader, "LLMKUBE_DEST"));
        var args = Server(state).Args;
        Assert.Equal($"/models/{key}/a.gguf", args[args.IndexOf("--model") + 1]);
        Assert.Equal($"/models/{key}/mm/proj.gguf", args[args.IndexOf("--mmproj") + 1]);
    }

    [Fact]
    public void Only_the_documented_keys_of_the_source_secret_reach_the_fetcher()
    {
        // envFrom would hand every key of a tenant's Secret to the fetcher, LLMKUBE_ALLOWED_NETWORKS or
        // LLMKUBE_ALLOWED_FILE_ROOTS included: the operator's SSRF and file-root policy would be the tenant's to set.
        var downloader = Init(State(Model("s3://bucket/m.gguf", m => m.SourceSecretRef = new V1LocalObjectReference { Name = "s3-credentials" })), "model-downloader");

        Assert.Null(downloader.EnvFrom);
        var fromSecret = downloader.Env.Where(e => e.ValueFrom is not null).ToList();
        Assert.Equal(["AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HF_ENDPOINT", "HF_TOKEN"],
            fromSecret.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(fromSecret, e =>
        {
            Assert.Equal(("s3-credentials", e.Name, true), (e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key, e.ValueFrom.SecretKeyRef.Optional));
            Assert.Null(e.Value);
        });
        Assert.DoesNotContain(downloader.Env, e => e.Name.StartsWith("LLMKUBE_", StringComparison.Ordinal) && e.ValueFrom is not null);
    }

    [Theory]
    [InlineData(102L, null, null, "0:102", "g+rwX")]
    [InlineData(0L, null, null, "100:100", "0770")]
    [InlineData(-1L, null, null, "100:100", "0770")]
    public void Prep_owner_follows_the_operator_fsGroup(long defaultFsGroup, long? runAsUser, long? runAsGroup, string owner, string mode)
    {
        var prep = Init(State(options: Options(o => o with { DefaultFsGroup = defaultFsGroup })), "model-cache-prep");

        Assert.Equal(["prep", "/models", "--owner", owner, "--mode", mode], prep.Args);
        Assert.Null(runAsUser ?? runAsGroup);
    }

    [Fact]
    public void Prep_owner_follows_the_service_fsGroup_and_never_the_operator_default()
    {
        var service = Service(s => s.PodSecurityContext = new V1PodSecurityContext { FsGroup = 3000 });
        var prep = Init(State(service: service), "model-cache-prep");

        Assert.Equal(["prep", "/models", "--owner", "0:3000", "--mode", "g+rwX"], prep.Args);
        Assert.DoesNotContain(prep.Args, a => a.Contains("102", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_an_fsGroup_the_root_is_owned_by_root_and_the_pods_runAsGroup()
    {
        var service = Service(s => s.PodSecurityContext = new V1PodSecurityContext { RunAsUser = 2000, RunAsGroup = 2000 });
        var state = State(service: service);

        Assert.Equal(["prep", "/models", "--owner", "0:2000", "--mode", "g+rwX"], Init(state, "model-cache-prep").Args);
        var downloader = Init(state, "model-downloader").SecurityContext;
        Assert.Equal((2000L, 2000L), (downloader.RunAsUser, downloader.RunAsGroup));
    }

    [Fact]
    public void A_pod_context_without_fsGroup_or_group_gets_the_operator_default_fsGroup_as_upstream()
    {
        // Issue 13.4: before, 100:100 mode 0770, which a root server with every capability dropped cannot read.
        var state = State(service: Service(s => s.PodSecurityContext = new V1PodSecurityContext { SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } }));

        Assert.Equal(["prep", "/models", "--owner", "0:102", "--mode", "g+rwX"], Init(state, "model-cache-prep").Args);
        var downloader = Init(state, "model-downloader").SecurityContext;
        Assert.Equal((100L, 102L), (downloader.RunAsUser, downloader.RunAsGroup));
    }

    [Fact]
    public void Prep_runs_as_root_with_only_chown_and_fowner()
    {
        var security = Init(State(), "model-cache-prep").SecurityContext;

        Assert.Equal(0, security.RunAsUser);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal(["CHOWN", "FOWNER"], security.Capabilities.Add);
        Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);
        Assert.NotEqual(true, security.Privileged);
    }

    [Fact]
    public void Downloader_is_non_root_with_no_capabilities()
    {
        var security = Init(State(), "model-downloader").SecurityContext;

        Assert.True(security.RunAsNonRoot);
        Assert.Equal(100, security.RunAsUser);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Null(security.Capabilities.Add);
    }

    [Fact]
    public void EmptyDir_path_runs_only_the_downloader()
    {
        var pod = Pod(State(service: Service(s => s.ModelCache = new() { Persistence = CachePersistence.Ephemeral })));

        Assert.Equal(["model-downloader"], pod.InitContainers.Select(c => c.Name));
        Assert.Equal("false", Env(pod.InitContainers[0], "LLMKUBE_FSYNC"));
        var volume = Assert.Single(pod.Volumes);
        Assert.Equal("model-storage", volume.Name);
        Assert.NotNull(volume.EmptyDir);
        Assert.Equal(("model-storage", true), (pod.Containers[0].VolumeMounts[0].Name, pod.Containers[0].VolumeMounts[0].ReadOnlyProperty));
    }

    [Theory]
    [InlineData(CachePersistence.Ephemeral, "40Gi", "40Gi")]
    [InlineData(CachePersistence.Ephemeral, null, null)]
    public void EmptyDir_is_sized_only_by_an_explicit_ephemeral_budget(string persistence, string? budget, string? sizeLimit)
    {
        var pod = Pod(State(service: Service(s => { s.ModelCache = new() { Persistence = persistence }; s.Resources = new() { EphemeralStorage = budget }; })));

        Assert.Equal(sizeLimit, pod.Volumes.Single().EmptyDir.SizeLimit?.ToString());
    }

    [Fact]
    public void Disabled_caching_gives_an_unbounded_emptyDir_even_with_a_budget()
    {
        var pod = Pod(State(service: Service(s => s.Resources = new() { EphemeralStorage = "40Gi" }), options: Options(o => o with { ModelCacheEnabled = false })));

        Assert.Null(pod.Volumes.Single().EmptyDir.SizeLimit);
    }

    [Fact]
    public void Pvc_source_mounts_the_claim_read_only_with_no_init_containers()
    {
        var pod = Pod(State(Model("pvc://my-models/llama/model.gguf")));

        Assert.Null(pod.InitContainers);
        var volume = Assert.Single(pod.Volumes);
        Assert.Equal(("model-source", "my-models", true), (volume.Name, volume.PersistentVolumeClaim.ClaimName, volume.PersistentVolumeClaim.ReadOnlyProperty));
        var mount = Assert.Single(pod.Containers[0].VolumeMounts);
        Assert.Equal(("/model-source", true), (mount.MountPath, mount.ReadOnlyProperty));
        Assert.Equal("/model-source/llama/model.gguf", pod.Containers[0].Args[1]);
    }

    [Fact]
    public void Custom_ca_is_mounted_into_the_downloader_and_named_in_its_environment()
    {
        var state = State(options: Options(o => o with { CaCertConfigMap = "corp-ca" }));
        var downloader = Init(state, "model-downloader");

        Assert.Equal("corp-ca", Pod(state).Volumes.Single(v => v.Name == "custom-ca-cert").ConfigMap.Name);
        Assert.Equal(("/custom-certs", true), downloader.VolumeMounts.Where(m => m.Name == "custom-ca-cert").Select(m => (m.MountPath, m.ReadOnlyProperty == true)).Single());
        Assert.Equal("/custom-certs", Env(downloader, "LLMKUBE_CA_DIR"));
        Assert.DoesNotContain(Server(state).VolumeMounts, m => m.Name == "custom-ca-cert");
    }

    [Fact]
    public void Local_source_under_an_allowed_root_is_read_from_the_read_only_root_not_a_host_resolved_file()
    {
        // Issue 19.5: the kubelet resolves a hostPath on the host, so mounting the file itself followed a link placed
        // under the root to anywhere on the node. The root is mounted; the fetcher resolves inside it (realpath + root check).
        var state = State(Model("file:///mnt/models/llama/llama.gguf"), options: Options(o => o with { AllowedHostPathRoots = ["/mnt", "/mnt/models/"] }));
        var downloader = Init(state, "model-downloader");

        var host = Pod(state).Volumes.Single(v => v.Name == "host-model").HostPath;
        Assert.Equal(("/mnt/models", "Directory"), (host.Path, host.Type));
        Assert.Equal("file:///host-model/llama/llama.gguf", Env(downloader, "LLMKUBE_SOURCE"));
        Assert.Equal("/host-model", Env(downloader, "LLMKUBE_ALLOWED_FILE_ROOTS"));
        Assert.Contains(downloader.VolumeMounts, m => m.Name == "host-model" && m.MountPath == "/host-model" && m.ReadOnlyProperty == true);
        Assert.DoesNotContain(Server(state).VolumeMounts, m => m.Name == "host-model");
    }

    [Theory]
    [InlineData("")]
    [InlineData("/srv/models")]
    [InlineData("/mnt/mod")]
    public void Local_source_outside_the_allowed_roots_renders_nothing_and_no_host_path(string roots)
    {
        var allowed = roots.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var state = State(Model("/mnt/models/llama.gguf"), options: Options(o => o with { AllowedHostPathRoots = allowed }));

        Assert.Null(state.Deployment);
        var issue = Assert.Single(state.Blocking);
        Assert.Equal("SourceNotAllowed", issue.Reason);
        Assert.Contains("--allowed-host-path-roots", issue.Message, StringComparison.Ordinal);
    }
}

using System.Text.Json;
using k8s;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;

namespace LlmKube.Sandbox.Tests;

/// <summary>The real kubectl against the sandbox: apply, get, describe, patch, replace, scale.</summary>
public sealed class KubectlApplyTests
{
    [Fact]
    public async Task Applying_a_CRD_and_its_resources_twice_is_idempotent_and_short_names_work()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        await sandbox.ApplyGadgetCrdAsync();
        var first = (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        Assert.Contains("gadget.test.llmkube.dev/alpha created", first.Output, StringComparison.Ordinal);
        var version = sandbox.Control.ResourceVersion;

        var second = (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        Assert.Contains("gadget.test.llmkube.dev/alpha unchanged", second.Output, StringComparison.Ordinal);
        Assert.Contains("gadget.test.llmkube.dev/beta unchanged", second.Output, StringComparison.Ordinal);
        Assert.Equal(version, sandbox.Control.ResourceVersion);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/gadgets.test.llmkube.dev unchanged",
            (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadget-crd.yaml"))).Ok().Output, StringComparison.Ordinal);

        var table = (await kubectl.RunAsync("get", "gd")).Ok().Output;
        var lines = table.Trim().Split('\n');
        Assert.Matches(@"^NAME\s+MODEL\s+PHASE\s+READY\s+AGE$", lines[0]);
        Assert.Matches(@"^alpha\s+llama\s+", lines[1]);
        Assert.Matches(@"^beta\s+mistral\s+", lines[2]);

        var json = JsonDocument.Parse((await kubectl.RunAsync("get", "gadget", "beta", "-o", "json")).Ok().Output).RootElement;
        Assert.Equal("Gadget", json.GetProperty("kind").GetString());
        Assert.Equal("Ephemeral", json.GetProperty("spec").GetProperty("modelCache").GetProperty("persistence").GetString());
        Assert.Equal(1, json.GetProperty("spec").GetProperty("replicas").GetInt32());
        Assert.Equal(1, json.GetProperty("metadata").GetProperty("generation").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("metadata").GetProperty("uid").GetString()));

        var resources = (await kubectl.RunAsync("api-resources")).Ok().Output;
        Assert.Matches(@"gadgets\s+gd\s+test\.llmkube\.dev/v1alpha1\s+true\s+Gadget", resources);
        var all = (await kubectl.RunAsync("get", "all")).Ok().Output;
        Assert.Contains("gadget.test.llmkube.dev/alpha", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Built_in_kinds_apply_get_and_describe_with_events()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("workload.yaml"))).Ok();
        var again = (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("workload.yaml"))).Ok().Output;
        Assert.Contains("deployment.apps/web unchanged", again, StringComparison.Ordinal);
        Assert.Contains("service/web unchanged", again, StringComparison.Ordinal);
        Assert.Contains("persistentvolumeclaim/cache unchanged", again, StringComparison.Ordinal);

        var deploy = (await kubectl.RunAsync("get", "deploy", "web")).Ok().Output;
        Assert.Matches(@"web\s+0/2\s+0\s+0\s+", deploy);
        var pvc = (await kubectl.RunAsync("get", "pvc")).Ok().Output;
        Assert.Matches(@"cache\s+Pending", pvc);

        var deployment = await sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        await sandbox.Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "web.1", NamespaceProperty = "default" },
            InvolvedObject = new V1ObjectReference { Kind = "Deployment", Name = "web", NamespaceProperty = "default", Uid = deployment.Metadata.Uid, ApiVersion = "apps/v1" },
            Reason = "ScalingReplicaSet",
            Message = "Scaled up replica set web-abc to 2",
            Type = "Normal",
            Source = new V1EventSource { Component = "deployment-controller" },
            FirstTimestamp = DateTime.UtcNow,
            LastTimestamp = DateTime.UtcNow,
            Count = 1,
        }, "default");

        var described = (await kubectl.RunAsync("describe", "deployment", "web")).Ok().Output;
        Assert.Contains("Replicas:               2 desired", described, StringComparison.Ordinal);
        Assert.Matches(@"Normal\s+ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-abc to 2", described);

        await sandbox.ApplyGadgetCrdAsync();
        (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        var gadget = await sandbox.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("test.llmkube.dev", "v1alpha1", "default", "gadgets", "beta");
        await sandbox.Client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "beta.1", NamespaceProperty = "default" },
            Regarding = new V1ObjectReference { Kind = "Gadget", Name = "beta", NamespaceProperty = "default", Uid = gadget.GetProperty("metadata").GetProperty("uid").GetString(), ApiVersion = "test.llmkube.dev/v1alpha1" },
            Reason = "ModelCachePVCNotFound",
            Note = "claim my-cache not found in namespace default (spec.modelCache.claimName)",
            Type = "Warning",
            Action = "Reconcile",
            ReportingController = "llmkube.dev/operator",
            ReportingInstance = "operator-0",
            EventTime = DateTime.UtcNow,
        }, "default");
        var describedGadget = (await kubectl.RunAsync("describe", "gd", "beta")).Ok().Output;
        Assert.Matches(@"Warning\s+ModelCachePVCNotFound\s+.*llmkube.dev/operator\s+claim my-cache not found", describedGadget);
        var events = (await kubectl.RunAsync("get", "events")).Ok().Output;
        Assert.Contains("gadget/beta", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_patch_type_works_and_server_side_apply_creates_updates_and_removes_fields()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        await sandbox.ApplyGadgetCrdAsync();
        (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("workload.yaml"))).Ok();
        (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();

        (await kubectl.RunAsync("patch", "deployment", "web", "--type=strategic", "-p",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}}}""")).Ok();
        var deployment = await sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("nginx:1.27", container.Image);
        Assert.Equal(["A", "B"], container.Env.Select(e => e.Name));
        Assert.Equal(2, deployment.Metadata.Generation);

        (await kubectl.RunAsync("patch", "gd", "alpha", "--type=merge", "-p", """{"metadata":{"labels":{"tier":"gold"}}}""")).Ok();
        (await kubectl.RunAsync("patch", "gd", "alpha", "--type=json", "-p", """[{"op":"replace","path":"/spec/modelRef","value":"phi"}]""")).Ok();
        var alpha = (await kubectl.RunAsync("get", "gd", "alpha", "-o", "jsonpath={.spec.modelRef} {.metadata.labels.tier} {.metadata.generation}")).Ok().Output;
        Assert.Equal("phi gold 2", alpha);
        var failedTest = (await kubectl.RunAsync("patch", "gd", "alpha", "--type=json", "-p", """[{"op":"test","path":"/spec/modelRef","value":"nope"}]""")).Fails();
        Assert.Contains("test failed", failedTest.Error, StringComparison.Ordinal);
        var strategicOnCr = (await kubectl.RunAsync("patch", "gd", "alpha", "--type=strategic", "-p", """{"spec":{"modelRef":"x"}}""")).Fails();
        Assert.Contains("application/strategic-merge-patch+json is not supported", strategicOnCr.Error, StringComparison.Ordinal);

        const string applied = """
            apiVersion: test.llmkube.dev/v1alpha1
            kind: Gadget
            metadata:
              name: gamma
              labels: {owner: ssa}
            spec:
              modelRef: qwen
              replicas: 3
            """;
        Assert.Contains("serverside-applied", (await kubectl.RunWithInputAsync(applied, "apply", "--server-side", "-f", "-")).Ok().Output, StringComparison.Ordinal);
        Assert.Equal("qwen 3", (await kubectl.RunAsync("get", "gd", "gamma", "-o", "jsonpath={.spec.modelRef} {.spec.replicas}")).Ok().Output);
        var dropped = applied.Replace("  replicas: 3", string.Empty, StringComparison.Ordinal).Replace("qwen", "qwen2", StringComparison.Ordinal);
        (await kubectl.RunWithInputAsync(dropped, "apply", "--server-side", "-f", "-")).Ok();
        var gamma = JsonDocument.Parse((await kubectl.RunAsync("get", "gd", "gamma", "-o", "json")).Ok().Output).RootElement;
        Assert.Equal("qwen2", gamma.GetProperty("spec").GetProperty("modelRef").GetString());
        Assert.Equal(1, gamma.GetProperty("spec").GetProperty("replicas").GetInt32());
        Assert.Equal("ssa", gamma.GetProperty("metadata").GetProperty("labels").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Replace_with_a_stale_resourceVersion_is_a_conflict()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        (await kubectl.RunAsync("create", "configmap", "settings", "--from-literal=a=1")).Ok();
        var stale = (await kubectl.RunAsync("get", "configmap", "settings", "-o", "json")).Ok().Output;
        (await kubectl.RunAsync("patch", "configmap", "settings", "--type=merge", "-p", """{"data":{"a":"2"}}""")).Ok();

        var conflict = (await kubectl.RunWithInputAsync(stale, "replace", "-f", "-")).Fails();
        Assert.Contains("Operation cannot be fulfilled on configmaps \"settings\": the object has been modified; please apply your changes to the latest version and try again", conflict.Error, StringComparison.Ordinal);
        Assert.Equal("2", (await kubectl.RunAsync("get", "configmap", "settings", "-o", "jsonpath={.data.a}")).Ok().Output);

        var fresh = (await kubectl.RunAsync("get", "configmap", "settings", "-o", "json")).Ok().Output.Replace("\"a\": \"2\"", "\"a\": \"3\"", StringComparison.Ordinal);
        (await kubectl.RunWithInputAsync(fresh, "replace", "-f", "-")).Ok();
        Assert.Equal("3", (await kubectl.RunAsync("get", "configmap", "settings", "-o", "jsonpath={.data.a}")).Ok().Output);
    }

    [Fact]
    public async Task Kubectl_create_generators_that_send_protobuf_work()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        Assert.Contains("namespace/demo created", (await kubectl.RunAsync("create", "namespace", "demo")).Ok().Output, StringComparison.Ordinal);
        (await kubectl.RunAsync("create", "configmap", "cfg", "-n", "demo", "--from-literal=model=llama", "--from-literal=size=7b")).Ok();
        (await kubectl.RunAsync("create", "secret", "generic", "token", "-n", "demo", "--from-literal=HF_TOKEN=hf_abc")).Ok();
        (await kubectl.RunAsync("create", "serviceaccount", "runner", "-n", "demo")).Ok();
        (await kubectl.RunAsync("create", "role", "reader", "-n", "demo", "--verb=get,list", "--resource=configmaps")).Ok();
        (await kubectl.RunAsync("create", "rolebinding", "reader", "-n", "demo", "--role=reader", "--serviceaccount=demo:runner")).Ok();

        var configMap = await sandbox.Client.CoreV1.ReadNamespacedConfigMapAsync("cfg", "demo");
        Assert.Equal("llama", configMap.Data["model"]);
        Assert.Equal("7b", configMap.Data["size"]);
        var secret = await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("token", "demo");
        Assert.Equal("hf_abc", System.Text.Encoding.UTF8.GetString(secret.Data["HF_TOKEN"]));
        Assert.Equal("Opaque", secret.Type);
        var binding = await sandbox.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync("reader", "demo");
        Assert.Equal("ServiceAccount", binding.Subjects.Single().Kind);
        Assert.Equal("runner", binding.Subjects.Single().Name);
        var role = await sandbox.Client.RbacAuthorizationV1.ReadNamespacedRoleAsync("reader", "demo");
        Assert.Equal(["get", "list"], role.Rules.Single().Verbs);
        Assert.Equal("Active", (await sandbox.Client.CoreV1.ReadNamespaceAsync("demo")).Status.Phase);
    }

    [Fact]
    public async Task Scale_updates_deployments_and_custom_resources_through_the_scale_subresource()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        await sandbox.ApplyGadgetCrdAsync();
        (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("workload.yaml"))).Ok();
        (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();

        Assert.Contains("deployment.apps/web scaled", (await kubectl.RunAsync("scale", "deployment", "web", "--replicas=5")).Ok().Output, StringComparison.Ordinal);
        Assert.Equal("5 2", (await kubectl.RunAsync("get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation}")).Ok().Output);
        Assert.Contains("gadget.test.llmkube.dev/alpha scaled", (await kubectl.RunAsync("scale", "gd", "alpha", "--replicas=4")).Ok().Output, StringComparison.Ordinal);
        Assert.Equal("4 2", (await kubectl.RunAsync("get", "gd", "alpha", "-o", "jsonpath={.spec.replicas} {.metadata.generation}")).Ok().Output);
        var tooMany = (await kubectl.RunAsync("scale", "gd", "alpha", "--replicas=11")).Fails();
        Assert.Contains("spec.replicas in body should be less than or equal to 10", tooMany.Error, StringComparison.Ordinal);

        var scale = await sandbox.Client.AppsV1.ReadNamespacedDeploymentScaleAsync("web", "default");
        Assert.Equal(5, scale.Spec.Replicas);
        Assert.Equal("app=web", scale.Status.Selector);
    }
}

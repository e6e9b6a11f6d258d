using k8s;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary>The real kubectl: deletion with and without finalizers, cascading, namespaces, admission errors, RBAC.</summary>
public sealed class KubectlLifecycleTests
{
    [Fact]
    public async Task Delete_without_finalizers_removes_at_once_and_with_finalizers_waits_until_they_are_removed()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        await sandbox.ApplyGadgetCrdAsync();
        (await kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();

        Assert.Contains("\"beta\" deleted", (await kubectl.RunAsync("delete", "gd", "beta")).Ok().Output, StringComparison.Ordinal);
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "gd", "beta")).Fails().Error, StringComparison.Ordinal);

        (await kubectl.RunAsync("patch", "gd", "alpha", "--type=merge", "-p", """{"metadata":{"finalizers":["test.llmkube.dev/hold"]}}""")).Ok();
        var deleting = kubectl.StartAsync("delete", "gd", "alpha", "--timeout=30s");
        await Eventually.TrueAsync(
            async () => (await sandbox.Client.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.JsonElement>("test.llmkube.dev", "v1alpha1", "default", "gadgets", "alpha"))
                .GetProperty("metadata").TryGetProperty("deletionTimestamp", out _),
            "deletionTimestamp on alpha");
        Assert.False(deleting.IsCompleted);
        var cannotAdd = (await kubectl.RunAsync("patch", "gd", "alpha", "--type=merge", "-p", """{"metadata":{"finalizers":["test.llmkube.dev/hold","test.llmkube.dev/more"]}}""")).Fails();
        Assert.Contains("no new finalizers can be added if the object is being deleted", cannotAdd.Error, StringComparison.Ordinal);

        (await kubectl.RunAsync("patch", "gd", "alpha", "--type=json", "-p", """[{"op":"remove","path":"/metadata/finalizers"}]""")).Ok();
        var deleted = (await deleting).Ok();
        Assert.Contains("\"alpha\" deleted", deleted.Output, StringComparison.Ordinal);
        Assert.Contains("No resources found", (await kubectl.RunAsync("get", "gd")).Ok().Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_namespace_cascades_and_cascade_flags_are_honoured()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        (await kubectl.RunWithInputAsync("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}""", "apply", "-f", "-")).Ok();
        (await kubectl.RunAsync("apply", "-n", "team", "-f", TestSandbox.Asset("workload.yaml"))).Ok();
        var deployment = await sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "team");
        await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(Owned("orphan-me", deployment), "team");
        await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(Owned("collect-me", deployment), "team");

        (await kubectl.RunAsync("delete", "deployment", "web", "-n", "team", "--cascade=orphan")).Ok();
        await Eventually.TrueAsync(async () => (await sandbox.Client.CoreV1.ReadNamespacedConfigMapAsync("orphan-me", "team")).Metadata.OwnerReferences is null, "owner reference removed from orphan");
        Assert.NotNull(await sandbox.Client.CoreV1.ReadNamespacedConfigMapAsync("collect-me", "team"));

        Assert.Contains("namespace \"team\" deleted", (await kubectl.RunAsync("delete", "namespace", "team")).Ok().Output, StringComparison.Ordinal);
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "namespace", "team")).Fails().Error, StringComparison.Ordinal);
        Assert.Empty((await sandbox.Client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: "metadata.namespace=team")).Items);
        var missing = (await kubectl.RunWithInputAsync("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"team"}}""", "apply", "-f", "-")).Fails();
        Assert.Contains("namespaces \"team\" not found", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admission_rejections_name_every_field_in_the_servers_words()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var kubectl = sandbox.Kubectl;
        await sandbox.ApplyGadgetCrdAsync();
        const string bad = """
            apiVersion: test.llmkube.dev/v1alpha1
            kind: Gadget
            metadata: {name: bad}
            spec:
              modelRef: ""
              replicas: 11
              size: lots
              ports: [{name: a}, {name: a}]
              modelCache: {claimName: My_Cache, persistence: Sometimes}
            """;
        var error = (await kubectl.RunWithInputAsync(bad, "apply", "-f", "-")).Fails().Error;
        Assert.Contains("The Gadget \"bad\" is invalid", error, StringComparison.Ordinal);
        Assert.Contains("spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10", error, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.persistence: Unsupported value: \"Sometimes\": supported values: \"Cached\", \"Ephemeral\"", error, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.claimName: Invalid value: \"My_Cache\": spec.modelCache.claimName in body should match", error, StringComparison.Ordinal);
        Assert.Contains("spec.modelRef: Invalid value: \"\": spec.modelRef in body should be at least 1 chars long", error, StringComparison.Ordinal);
        Assert.Contains("spec.size: Invalid value: \"lots\"", error, StringComparison.Ordinal);
        Assert.Contains("spec.ports[1]: Duplicate value: {\"name\":\"a\"}", error, StringComparison.Ordinal);

        const string both = """
            apiVersion: test.llmkube.dev/v1alpha1
            kind: Gadget
            metadata: {name: both}
            spec: {modelRef: m, modelCache: {claimName: c, persistence: Ephemeral}}
            """;
        var cel = (await kubectl.RunWithInputAsync(both, "apply", "-f", "-")).Fails().Error;
        Assert.Contains("spec.modelCache: Invalid value: \"object\": spec.modelCache.claimName cannot be set together with spec.modelCache.persistence: Ephemeral", cel, StringComparison.Ordinal);

        const string unknown = """
            apiVersion: test.llmkube.dev/v1alpha1
            kind: Gadget
            metadata: {name: typo}
            spec: {modelRef: m, replcas: 2, extra: {kept: true}}
            """;
        var strict = (await kubectl.RunWithInputAsync(unknown, "apply", "-f", "-")).Fails().Error;
        Assert.Contains("Gadget in version \"v1alpha1\" cannot be handled as a Gadget: strict decoding error: unknown field \"spec.replcas\"", strict, StringComparison.Ordinal);
        var warned = (await kubectl.RunWithInputAsync(unknown, "apply", "--validate=warn", "-f", "-")).Ok();
        Assert.Contains("unknown field \"spec.replcas\"", warned.Error, StringComparison.Ordinal);
        Assert.Equal("""{"extra":{"kept":true},"modelRef":"m","replicas":1}""", (await kubectl.RunAsync("get", "gd", "typo", "-o", "jsonpath={.spec}")).Ok().Output);

        var badName = (await kubectl.RunWithInputAsync("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}""", "apply", "-f", "-")).Fails().Error;
        Assert.Contains("metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", badName, StringComparison.Ordinal);
        var badDeployment = (await kubectl.RunWithInputAsync("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"y"}},"spec":{"containers":[{"name":"c"}]}}}}""", "apply", "-f", "-")).Fails().Error;
        Assert.Contains("`selector` does not match template `labels`", badDeployment, StringComparison.Ordinal);
        Assert.Contains("spec.template.spec.containers[0].image: Required value", badDeployment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_outside_the_cluster_role_is_forbidden()
    {
        var roles = Path.Combine(Path.GetTempPath(), $"rbac-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(roles, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: reader}
            rules:
              - apiGroups: [""]
                resources: [configmaps]
                verbs: [get, list, watch]
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ignored-kind}
            """);
        try
        {
            await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions { Rbac = new RbacOptions { Enforce = true, RoleFiles = [roles], User = "alice" } });
            (await sandbox.Kubectl.RunWithInputAsync("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}""", "apply", "-f", "-")).Ok();
            var alice = sandbox.KubectlFor("alice");
            Assert.Contains("c ", (await alice.RunAsync("get", "configmaps")).Ok().Output, StringComparison.Ordinal);
            var denied = (await alice.RunAsync("get", "persistentvolumeclaims", "-n", "default")).Fails().Error;
            Assert.Contains("persistentvolumeclaims is forbidden: User \"alice\" cannot list resource \"persistentvolumeclaims\" in API group \"\" in the namespace \"default\"", denied, StringComparison.Ordinal);
            var deleteDenied = (await alice.RunAsync("delete", "configmap", "c")).Fails().Error;
            Assert.Contains("configmaps \"c\" is forbidden: User \"alice\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"default\"", deleteDenied, StringComparison.Ordinal);
            Assert.Equal("yes", (await alice.RunAsync("auth", "can-i", "list", "configmaps")).Ok().Output.Trim());
            Assert.Equal("no", (await alice.RunAsync("auth", "can-i", "create", "configmaps")).Output.Trim());
            Assert.Equal(2, sandbox.Control.GetRequestCounts().Count(user: "alice", code: 403));
        }
        finally
        {
            File.Delete(roles);
        }
    }

    private static V1ConfigMap Owned(string name, V1Deployment owner) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid }],
        },
    };
}

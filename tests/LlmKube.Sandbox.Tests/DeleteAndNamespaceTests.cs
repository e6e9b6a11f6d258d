using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary>
/// Answers a client reads and can be fooled by when the sandbox is laxer than the API server: what a DELETE
/// returns per kind, and a write that tries to move an object to another namespace.
/// </summary>
public sealed class DeleteAndNamespaceTests
{
    private const string NamespaceMismatch = "the namespace of the provided object does not match the namespace sent on the request";

    [SkippableFact]
    public async Task Delete_answers_a_success_status_or_the_object_as_the_api_server_does_for_each_kind()
    {
        PythonClient.SkipUnlessAvailable();
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.ApplyGadgetCrdAsync();
        (await sandbox.Kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        (await sandbox.Kubectl.RunAsync("apply", "-f", TestSandbox.Asset("workload.yaml"))).Ok();
        (await sandbox.Kubectl.RunWithInputAsync("""
            {apiVersion: v1, kind: ConfigMap, metadata: {name: plain}}
            ---
            {apiVersion: v1, kind: ConfigMap, metadata: {name: held, finalizers: [example.com/hold]}}
            ---
            {apiVersion: v1, kind: ServiceAccount, metadata: {name: robot}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: pod}, spec: {containers: [{name: c, image: busybox}]}}
            ---
            {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: claim}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}
            ---
            {apiVersion: apps/v1, kind: Deployment, metadata: {name: fg}, spec: {selector: {matchLabels: {app: fg}}, template: {metadata: {labels: {app: fg}}, spec: {containers: [{name: c, image: busybox}]}}}}
            ---
            {apiVersion: batch/v1, kind: Job, metadata: {name: job}, spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}
            """, "apply", "-f", "-")).Ok();
        var uid = (await sandbox.Kubectl.RunAsync("get", "gd", "alpha", "-o", "jsonpath={.metadata.uid}")).Ok().Output;
        var deploymentUid = (await sandbox.Kubectl.RunAsync("get", "deploy", "web", "-o", "jsonpath={.metadata.uid}")).Ok().Output;

        var result = await PythonClient.RunAsync(sandbox.Server.WriteKubeconfig(Path.Combine(sandbox.Directory, "py.kubeconfig")), """
            core, apps, batch, custom = client.CoreV1Api(api), client.AppsV1Api(api), client.BatchV1Api(api), client.CustomObjectsApi(api)
            def status(s):
                return {"kind": s.kind, "apiVersion": s.api_version, "status": s.status, "details": s.details.to_dict() if s.details else None}
            def raw(call):
                return json.loads(call(_preload_content=False).data)
            out = {}
            out["gadget"] = custom.delete_namespaced_custom_object("test.llmkube.dev", "v1alpha1", "default", "gadgets", "alpha")
            out["gadgetForeground"] = custom.delete_namespaced_custom_object("test.llmkube.dev", "v1alpha1", "default", "gadgets", "beta", propagation_policy="Foreground")
            out["deployment"] = status(apps.delete_namespaced_deployment("web", "default"))
            out["deploymentForeground"] = raw(lambda **k: apps.delete_namespaced_deployment("fg", "default", propagation_policy="Foreground", **k))
            out["configmap"] = status(core.delete_namespaced_config_map("plain", "default"))
            out["held"] = raw(lambda **k: core.delete_namespaced_config_map("held", "default", **k))
            out["job"] = raw(lambda **k: batch.delete_namespaced_job("job", "default", **k))
            out["serviceaccount"] = core.delete_namespaced_service_account("robot", "default").kind
            out["pod"] = core.delete_namespaced_pod("pod", "default").kind
            out["claim"] = core.delete_namespaced_persistent_volume_claim("claim", "default").kind
            out["service"] = raw(lambda **k: core.delete_namespaced_service("web", "default", **k))["kind"]
            print(json.dumps(out))
            """);

        var gadget = result["gadget"]!;
        Assert.Equal("Status", (string?)gadget["kind"]);
        Assert.Equal("v1", (string?)gadget["apiVersion"]);
        Assert.Equal("Success", (string?)gadget["status"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{"name":"alpha","group":"test.llmkube.dev","kind":"gadgets","uid":"{{uid}}"}"""), gadget["details"]), gadget.ToJsonString());

        // Foreground deletion keeps the object (foregroundDeletion finalizer): the answer is the object being deleted.
        Assert.Equal("Gadget", (string?)result["gadgetForeground"]!["kind"]);
        Assert.NotNull(result["gadgetForeground"]!["metadata"]!["deletionTimestamp"]);
        Assert.Equal("Deployment", (string?)result["deploymentForeground"]!["kind"]);
        Assert.Equal("foregroundDeletion", (string?)result["deploymentForeground"]!["metadata"]!["finalizers"]![0]);

        var deployment = result["deployment"]!;
        Assert.Equal("Status", (string?)deployment["kind"]);
        Assert.Equal("Success", (string?)deployment["status"]);
        Assert.Equal("web", (string?)deployment["details"]!["name"]);
        Assert.Equal("apps", (string?)deployment["details"]!["group"]);
        Assert.Equal("deployments", (string?)deployment["details"]!["kind"]);
        Assert.Equal(deploymentUid, (string?)deployment["details"]!["uid"]);
        Assert.Equal("Success", (string?)result["configmap"]!["status"]);
        Assert.Null((string?)result["configmap"]!["details"]!["group"]);
        Assert.Equal("configmaps", (string?)result["configmap"]!["details"]!["kind"]);

        Assert.Equal("ConfigMap", (string?)result["held"]!["kind"]);
        Assert.NotNull(result["held"]!["metadata"]!["deletionTimestamp"]);

        // batch/v1 Jobs orphan their pods unless told otherwise: the orphan finalizer keeps the Job until the collector is done.
        Assert.Equal("Job", (string?)result["job"]!["kind"]);
        Assert.Equal("orphan", (string?)result["job"]!["metadata"]!["finalizers"]![0]);
        await Eventually.TrueAsync(async () => (await sandbox.Kubectl.RunAsync("get", "job", "job", "--ignore-not-found", "-o", "name")).Output.Length == 0, "the orphaning Job to go");

        // Kinds whose storage returns the deleted object.
        Assert.Equal("ServiceAccount", (string?)result["serviceaccount"]);
        Assert.Equal("Pod", (string?)result["pod"]);
        Assert.Equal("PersistentVolumeClaim", (string?)result["claim"]);
        Assert.Equal("Service", (string?)result["service"]);
    }

    [Fact]
    public async Task Delete_of_a_custom_resource_answers_a_success_status_to_kubernetes_client()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.ApplyGadgetCrdAsync();
        (await sandbox.Kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        var answer = await sandbox.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("test.llmkube.dev", "v1alpha1", "default", "gadgets", "alpha");
        var status = KubernetesJson.Deserialize<V1Status>(KubernetesJson.Serialize(answer));
        Assert.Equal("Status", status.Kind);
        Assert.Equal("Success", status.Status);
        Assert.Equal("gadgets", status.Details.Kind);
        Assert.Equal("alpha", status.Details.Name);
    }

    [Fact]
    public async Task A_patch_that_moves_an_object_to_another_namespace_is_a_bad_request()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.ApplyGadgetCrdAsync();
        (await sandbox.Kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        (await sandbox.Kubectl.RunAsync("create", "namespace", "other")).Ok();
        await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, "default");

        foreach (var type in new[] { "merge", "json", "strategic" })
        {
            var patch = type == "json" ? """[{"op":"replace","path":"/metadata/namespace","value":"other"}]""" : """{"metadata":{"namespace":"other"},"data":{"k":"changed"}}""";
            var error = (await sandbox.Kubectl.RunAsync("patch", "configmap", "a", "--type", type, "-p", patch)).Fails().Error;
            Assert.Contains(NamespaceMismatch, error, StringComparison.Ordinal);
        }

        var custom = (await sandbox.Kubectl.RunAsync("patch", "gadget", "alpha", "--type", "merge", "-p", """{"metadata":{"namespace":"other"}}""")).Fails().Error;
        Assert.Contains(NamespaceMismatch, custom, StringComparison.Ordinal);
        var status = (await sandbox.Kubectl.RunAsync("patch", "gadget", "alpha", "--subresource", "status", "--type", "merge", "-p", """{"metadata":{"namespace":"other"},"status":{"phase":"Moved"}}""")).Fails().Error;
        Assert.Contains(NamespaceMismatch, status, StringComparison.Ordinal);

        var apply = await Assert.ThrowsAsync<HttpOperationException>(() => sandbox.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"other"},"data":{"k":"applied"}}""", V1Patch.PatchType.ApplyPatch), "a", "default", fieldManager: "test"));
        Assert.Equal(HttpStatusCode.BadRequest, apply.Response.StatusCode);
        var applyStatus = KubernetesJson.Deserialize<V1Status>(apply.Response.Content);
        Assert.Equal("BadRequest", applyStatus.Reason);
        Assert.Equal(NamespaceMismatch, applyStatus.Message);

        var put = await sandbox.Client.CoreV1.ReadNamespacedConfigMapAsync("a", "default");
        put.Metadata.NamespaceProperty = "other";
        var replaced = await Assert.ThrowsAsync<HttpOperationException>(() => sandbox.Client.CoreV1.ReplaceNamespacedConfigMapAsync(put, "a", "default"));
        Assert.Equal(HttpStatusCode.BadRequest, replaced.Response.StatusCode);

        // Nothing moved and nothing changed.
        Assert.Equal("v", (await sandbox.Client.CoreV1.ReadNamespacedConfigMapAsync("a", "default")).Data["k"]);
        Assert.Empty((await sandbox.Client.CoreV1.ListNamespacedConfigMapAsync("other")).Items);
        Assert.Equal(string.Empty, (await sandbox.Kubectl.RunAsync("get", "gadget", "alpha", "-o", "jsonpath={.status.phase}")).Ok().Output);

        // Naming the request's own namespace, or none, is fine.
        (await sandbox.Kubectl.RunAsync("patch", "configmap", "a", "--type", "merge", "-p", """{"metadata":{"namespace":"default"},"data":{"k":"same"}}""")).Ok();
        (await sandbox.Kubectl.RunAsync("patch", "configmap", "a", "--type", "merge", "-p", """{"metadata":{"namespace":null},"data":{"k":"unset"}}""")).Ok();
        Assert.Equal("unset", (await sandbox.Client.CoreV1.ReadNamespacedConfigMapAsync("a", "default")).Data["k"]);
    }
}

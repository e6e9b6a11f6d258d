using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary>Finalizers, garbage collection with each propagation policy, namespace and CRD deletion.</summary>
public sealed class ClientLifecycleTests
{
    [Fact]
    public async Task Background_deletion_collects_dependents_promptly()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default");
        var child = await client.CoreV1.CreateNamespacedSecretAsync(Dependent<V1Secret>("child", owner, block: false), "default");
        var grandchild = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "grandchild", OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Secret", Name = child.Metadata.Name, Uid = child.Metadata.Uid }] },
        }, "default");
        Assert.NotNull(grandchild);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "default");
        await Eventually.TrueAsync(async () => !await Exists(() => client.CoreV1.ReadNamespacedSecretAsync("child", "default")), "child collected", TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(async () => !await Exists(() => client.CoreV1.ReadNamespacedConfigMapAsync("grandchild", "default")), "grandchild collected", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_blocking_dependents_are_gone()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default");
        var blocker = Dependent<V1Secret>("blocker", owner, block: true);
        blocker.Metadata.Finalizers = ["test.llmkube.dev/hold"];
        await client.CoreV1.CreateNamespacedSecretAsync(blocker, "default");

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "default", propagationPolicy: "Foreground");
        var deleting = await client.CoreV1.ReadNamespacedConfigMapAsync("owner", "default");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Contains("foregroundDeletion", deleting.Metadata.Finalizers);
        await Eventually.TrueAsync(async () => (await client.CoreV1.ReadNamespacedSecretAsync("blocker", "default")).Metadata.DeletionTimestamp is not null, "blocker marked for deletion");
        Assert.True(await Exists(() => client.CoreV1.ReadNamespacedConfigMapAsync("owner", "default")));

        await client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "blocker", "default");
        await Eventually.TrueAsync(async () => !await Exists(() => client.CoreV1.ReadNamespacedConfigMapAsync("owner", "default")), "owner deleted after its dependent", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_and_drops_the_owner_reference()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default");
        await client.CoreV1.CreateNamespacedSecretAsync(Dependent<V1Secret>("kept", owner, block: true), "default");
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "default", body: new V1DeleteOptions { PropagationPolicy = "Orphan" });
        await Eventually.TrueAsync(async () => !await Exists(() => client.CoreV1.ReadNamespacedConfigMapAsync("owner", "default")), "owner deleted");
        var kept = await client.CoreV1.ReadNamespacedSecretAsync("kept", "default");
        Assert.Null(kept.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Finalizers_hold_an_object_and_preconditions_are_checked()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["llmkube.dev/cleanup"] } }, "default");
        var wrongUid = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.DeleteNamespacedConfigMapAsync("held", "default", body: new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "other" } }));
        Assert.Equal(HttpStatusCode.Conflict, wrongUid.Response.StatusCode);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("held", "default");
        var marked = await client.CoreV1.ReadNamespacedConfigMapAsync("held", "default");
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.NotEqual(cm.Metadata.ResourceVersion, marked.Metadata.ResourceVersion);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("held", "default");
        Assert.Equal(marked.Metadata.ResourceVersion, (await client.CoreV1.ReadNamespacedConfigMapAsync("held", "default")).Metadata.ResourceVersion);

        marked.Metadata.Finalizers = [];
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(marked, "held", "default");
        Assert.False(await Exists(() => client.CoreV1.ReadNamespacedConfigMapAsync("held", "default")));
    }

    [Fact]
    public async Task Deleting_a_CRD_deletes_its_objects_and_stops_serving_them()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.ApplyGadgetCrdAsync();
        (await sandbox.Kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
        var client = sandbox.Client;
        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("gadgets.test.llmkube.dev");
        await Eventually.TrueAsync(async () => !await Exists(() => client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("gadgets.test.llmkube.dev")), "the CRD gone", TimeSpan.FromSeconds(5));
        // The CRD object goes first; its resource stops being served right after (as on a real server).
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await client.CustomObjects.ListNamespacedCustomObjectAsync("test.llmkube.dev", "v1alpha1", "default", "gadgets");
                return false;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return true;
            }
        }, "gadgets no longer served (404)", TimeSpan.FromSeconds(5));

        await sandbox.ApplyGadgetCrdAsync();
        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>("test.llmkube.dev", "v1alpha1", "default", "gadgets");
        Assert.Empty(list.GetProperty("items").EnumerateArray());
        var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("gadgets.test.llmkube.dev");
        Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
    }

    [Fact]
    public async Task Namespace_deletion_waits_for_finalizers_of_its_content()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "work" } });
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["llmkube.dev/cleanup"] } }, "work");
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "plain" } }, "work");
        await client.CoreV1.DeleteNamespaceAsync("work");
        Assert.Equal("Terminating", (await client.CoreV1.ReadNamespaceAsync("work")).Status.Phase);
        await Eventually.TrueAsync(async () => !await Exists(() => client.CoreV1.ReadNamespacedSecretAsync("plain", "work")), "content deleted");
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "late" } }, "work"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.True(await Exists(() => client.CoreV1.ReadNamespaceAsync("work")));

        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held", "work");
        await Eventually.TrueAsync(async () => !await Exists(() => client.CoreV1.ReadNamespaceAsync("work")), "namespace gone", TimeSpan.FromSeconds(5));
    }

    private static T Dependent<T>(string name, V1ConfigMap owner, bool block)
        where T : IMetadata<V1ObjectMeta>, new() => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, Controller = true, BlockOwnerDeletion = block }],
            },
        };

    internal static async Task<bool> Exists<T>(Func<Task<T>> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}

using k8s;
using k8s.Models;
using LlmKube.Contracts;
using LlmKube.Api.Schema;
using LlmKube.Sandbox;

namespace LlmKube.Bench.Operator;

/// <summary>
/// A fresh sandbox with the CRDs and the workload's namespaces, and the two identities both runs use: the bench
/// (admin, applies the Models and InferenceServices) and the operator (its service account's token, for the
/// operator's writes). Both connect the same way, plain HTTP on loopback through a kubeconfig, so the bare loop and
/// the operator run use the same transport and client settings and the sandbox counts their requests apart.
/// </summary>
internal sealed class BenchSandbox : IAsyncDisposable
{
    private readonly DirectoryInfo _work;

    private BenchSandbox(SandboxServer server, DirectoryInfo work, Kubernetes admin, string operatorKubeconfig)
    {
        Server = server;
        _work = work;
        Admin = admin;
        OperatorKubeconfig = operatorKubeconfig;
    }

    public SandboxServer Server { get; }

    /// <summary>The bench's client (the sandbox's admin).</summary>
    public Kubernetes Admin { get; }

    /// <summary>A kubeconfig for the operator's identity.</summary>
    public string OperatorKubeconfig { get; }

    public static async Task<BenchSandbox> StartAsync(Workload workload)
    {
        // No TLS listener: both identities use plain HTTP on loopback, as the operator always did here.
        var server = await SandboxServer.StartAsync(new SandboxOptions { WatchHistorySize = 50_000, HttpsPort = -1 });
        var work = Directory.CreateTempSubdirectory("llmkube-bench-");
        var adminConfig = WriteKubeconfig(work, "admin", server.BaseAddress, server.AdminToken);
        var operatorConfig = WriteKubeconfig(work, "operator", server.BaseAddress, SandboxServer.TokenFor(BenchOperator.User));
        var admin = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(adminConfig));
        foreach (var crd in CrdDefinitions.All())
        {
            await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }

        await workload.CreateNamespacesAsync(admin);
        // The operator's own namespace, as in a cluster: it publishes its configuration there at start-up.
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = OperatorConfigMap.DefaultNamespace } });
        return new BenchSandbox(server, work, admin, operatorConfig);
    }

    private static string WriteKubeconfig(DirectoryInfo work, string user, Uri server, string token)
    {
        var path = Path.Combine(work.FullName, user + ".kubeconfig");
        File.WriteAllText(path, string.Join('\n',
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: sandbox",
            "  cluster:",
            $"    server: \"{server}\"",
            "users:",
            $"- name: {user}",
            "  user:",
            $"    token: \"{token}\"",
            "contexts:",
            "- name: sandbox",
            $"  context: {{cluster: sandbox, user: {user}}}",
            "current-context: sandbox",
            ""));
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Server.DisposeAsync();
        _work.Delete(recursive: true);
    }
}

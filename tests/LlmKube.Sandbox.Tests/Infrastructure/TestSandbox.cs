using k8s;

namespace LlmKube.Sandbox.Tests.Infrastructure;

/// <summary>A sandbox server for one test, with a KubernetesClient and a kubectl bound to it, and a scratch directory.</summary>
public sealed class TestSandbox : IAsyncDisposable
{
    private TestSandbox(SandboxServer server, string directory)
    {
        Server = server;
        Directory = directory;
        Client = ClientFor(null);
        Kubectl = new Kubectl(server.WriteKubeconfig(Path.Combine(directory, "admin.kubeconfig")), Path.Combine(directory, "home-admin"));
    }

    public SandboxServer Server { get; }

    public string Directory { get; }

    public IKubernetes Client { get; }

    public Kubectl Kubectl { get; }

    public SandboxControl Control => Server.Control;

    public static async Task<TestSandbox> StartAsync(SandboxOptions? options = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "llmkube-sandbox-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var server = await SandboxServer.StartAsync(options ?? new SandboxOptions());
        return new TestSandbox(server, directory);
    }

    /// <summary>A client authenticated as <paramref name="user"/> (the admin when null).</summary>
    public IKubernetes ClientFor(string? user) => new Kubernetes(new KubernetesClientConfiguration
    {
        Host = Server.BaseAddress.ToString().TrimEnd('/'),
        AccessToken = user is null ? Server.AdminToken : SandboxServer.TokenFor(user),
    });

    /// <summary>A kubectl authenticated as <paramref name="user"/>, with its own kubeconfig and cache.</summary>
    public Kubectl KubectlFor(string user)
    {
        var safe = new string(user.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        return new Kubectl(Server.WriteKubeconfig(Path.Combine(Directory, $"{safe}.kubeconfig"), user), Path.Combine(Directory, $"home-{safe}"));
    }

    public static string Asset(string name) => Path.Combine(AppContext.BaseDirectory, "Assets", name);

    public async Task ApplyGadgetCrdAsync() => (await Kubectl.RunAsync("apply", "-f", Asset("gadget-crd.yaml"))).Ok();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Core;
using LlmKube.Core.Builders;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests;

/// <summary>
/// Executes the init containers of a generated pod template locally: each container's `/models` mount becomes a temp
/// directory (only mount paths in args and env are rewritten), `llmkube-fetch` runs with that container's args and env
/// (the downloader as its non-root uid with the pod's fsGroup as supplementary group, through setpriv, the way kubelet
/// would), the source is a local HTTP server. The model must appear at the server container's `--model` path; a second
/// pod start is a cache hit with no transfer.
/// </summary>
public sealed class FetcherInitContainersTests : IDisposable
{
    private const string Namespace = "team-a";
    private readonly string _volume;

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public FetcherInitContainersTests()
    {
        _volume = Directory.CreateTempSubdirectory("llmkube-e2e-volume-").FullName;
        File.SetUnixFileMode(_volume, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public void Dispose() => Directory.Delete(_volume, recursive: true);

    [Fact]
    public async Task Init_containers_of_the_generated_deployment_fill_the_cache_then_a_restart_is_a_hit()
    {
        var data = new byte[3 << 20];
        new Random(5).NextBytes(data);
        using var server = new StaticServer(data);
        var source = $"http://127.0.0.1:{server.Port}/models/tiny-Q4_K_M.gguf";
        var model = new Model
        {
            Metadata = new V1ObjectMeta { Name = "tiny", NamespaceProperty = Namespace, Uid = "model-uid" },
            Spec = new ModelSpec { Source = source, Sha256 = Convert.ToHexString(SHA256.HashData(data)) },
        };
        model.Status = new ModelStatus { Phase = "Ready", CacheKey = CacheKeys.ForSpec(model.Spec) };
        var service = new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = "chat", NamespaceProperty = Namespace, Uid = "isvc-uid", Generation = 1 },
            Spec = new InferenceServiceSpec { ModelRef = "tiny" },
        };
        var state = DesiredState.For(model, service, new WorkloadSettings { FetcherImage = "registry.local/fetch:1", FetcherAllowedNetworks = ["127.0.0.0/8"] });
        var pod = (state.Deployment ?? throw new InvalidOperationException(string.Join("; ", state.Issues))).Spec.Template.Spec;
        Assert.Equal(["model-cache-prep", "model-downloader"], pod.InitContainers.Select(c => c.Name));

        var serverArgs = pod.Containers.Single().Args;
        var modelPath = serverArgs[serverArgs.IndexOf("--model") + 1];
        Assert.StartsWith("/models/" + CacheKeys.Compute(source) + "/", modelPath, StringComparison.Ordinal);

        var first = await RunInitContainersAsync(pod);
        var local = MapPath(modelPath, "/models");
        Assert.True(File.Exists(local), "no model at --model: " + first);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(File.ReadAllBytes(local)));
        Assert.InRange(server.BodyBytes, data.Length, data.Length + 1); // + the 1-byte range probe
        Assert.Contains("[model-cache-prep] exit 0", first, StringComparison.Ordinal);
        // Only the model is visible in the entry; the fetcher's own files are dot-files.
        Assert.Equal([Path.GetFileName(local)], Directory.GetFiles(Path.GetDirectoryName(local)!).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')));

        server.ResetCounters();
        var second = await RunInitContainersAsync(pod);
        Assert.Contains("cache hit", second, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
        Assert.Equal(0, server.BodyBytes);
    }

    /// <summary>
    /// Issue 13.4: a pod security context without fsGroup. The real prep and downloader run as their uids, then the
    /// server's default identity (root, every capability dropped, no supplementary groups) must read the model; with
    /// the old owner (100:100, 0770) it could not even enter the volume.
    /// </summary>
    [SkippableFact]
    public async Task Without_an_fsGroup_a_root_server_with_no_capabilities_reads_what_the_downloader_wrote()
    {
        Skip.IfNot(File.Exists("/usr/bin/setpriv") && Environment.UserName == "root", "needs setpriv and root to run the containers as their uids");
        var data = new byte[1 << 20];
        new Random(7).NextBytes(data);
        using var server = new StaticServer(data);
        var source = $"http://127.0.0.1:{server.Port}/models/tiny-Q4_K_M.gguf";
        var model = new Model { Metadata = new V1ObjectMeta { Name = "tiny", NamespaceProperty = Namespace, Uid = "model-uid" }, Spec = new ModelSpec { Source = source } };
        model.Status = new ModelStatus { Phase = "Ready", CacheKey = CacheKeys.ForSpec(model.Spec) };
        var service = new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = "chat", NamespaceProperty = Namespace, Uid = "isvc-uid", Generation = 1 },
            Spec = new InferenceServiceSpec { ModelRef = "tiny", PodSecurityContext = new V1PodSecurityContext { SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } } },
        };
        var pod = DesiredState.For(model, service, new WorkloadSettings { FetcherImage = "registry.local/fetch:1", FetcherAllowedNetworks = ["127.0.0.0/8"] }).Deployment!.Spec.Template.Spec;
        Assert.Null(pod.SecurityContext.FsGroup);
        var serverContext = pod.Containers.Single().SecurityContext;
        Assert.Null(serverContext.RunAsUser); // the image's user: root for the llama.cpp images
        Assert.Equal(["ALL"], serverContext.Capabilities.Drop);

        await RunInitContainersAsync(pod);
        var args = pod.Containers.Single().Args;
        var local = MapPath(args[args.IndexOf("--model") + 1], "/models");
        var read = Process.Start(new ProcessStartInfo("/usr/bin/setpriv", ["--reuid=0", "--regid=0", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", "cat", local])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        using var copy = new MemoryStream();
        await read.StandardOutput.BaseStream.CopyToAsync(copy);
        var stderr = await read.StandardError.ReadToEndAsync();
        await read.WaitForExitAsync();
        Assert.True(read.ExitCode == 0, $"root without capabilities could not read {local}: {stderr}");
        Assert.Equal(data, copy.ToArray());
    }

    /// <summary>Runs every init container in order like kubelet would; returns their stderr.</summary>
    private async Task<string> RunInitContainersAsync(V1PodSpec pod)
    {
        var log = new StringBuilder();
        foreach (var container in pod.InitContainers)
        {
            Assert.Equal(["llmkube-fetch"], container.Command);
            var mount = container.VolumeMounts.Single().MountPath;
            var args = container.Args.Select(a => MapPath(a, mount)).ToList();
            var env = (container.Env ?? []).ToDictionary(e => e.Name, e => MapPath(e.Value ?? "", mount));
            var user = container.SecurityContext?.RunAsUser ?? 0;
            var group = container.SecurityContext?.RunAsGroup ?? user;
            var prefix = user != 0 && File.Exists("/usr/bin/setpriv")
                ? new[] { "/usr/bin/setpriv", $"--reuid={user}", $"--regid={group}", $"--groups={pod.SecurityContext?.FsGroup ?? group}", "--" }
                : [];
            var (code, stderr) = await RunAsync(prefix, args, env);
            log.AppendLine(CultureInfo.InvariantCulture, $"[{container.Name}] exit {code}: {stderr}");
            Assert.True(code == 0, log.ToString());
        }

        return log.ToString();
    }

    /// <summary>Rewrites only paths under the container's mount point to the local directory standing in for the volume.</summary>
    private string MapPath(string value, string mount) =>
        value == mount ? _volume : value.StartsWith(mount + "/", StringComparison.Ordinal) ? _volume + value[mount.Length..] : value;

    private static async Task<(int Code, string Stderr)> RunAsync(string[] prefix, List<string> args, Dictionary<string, string> env)
    {
        // Under another uid the checkout may not be reachable (a clone in a mktemp -d is 0700): run a world-readable copy.
        var dll = prefix.Length > 0 ? LlmKube.Tests.Shared.FetcherBinaries.DllForAnyUser : LlmKube.Tests.Shared.BuiltExecutables.FetcherDll;
        var command = prefix.Concat(["dotnet", dll]).Concat(args).ToList();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("LLMKUBE_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        psi.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        using var p = Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, stderr);
    }

    /// <summary>A minimal HTTP file server (HttpListener) with ranges and an ETag, counting what it sends.</summary>
    private sealed class StaticServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly byte[] _data;
        private readonly Task _loop;
        private long _bodyBytes;
        private int _requests;

        public StaticServer(byte[] data)
        {
            _data = data;
            Port = LocalPorts.Free();

            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public int Port { get; }

        public long BodyBytes => Interlocked.Read(ref _bodyBytes);

        public int Requests => Volatile.Read(ref _requests);

        public void ResetCounters()
        {
            Interlocked.Exchange(ref _bodyBytes, 0);
            Interlocked.Exchange(ref _requests, 0);
        }

        public void Dispose()
        {
            // Close alone: on Unix, Stop then Close releases the port and then binds it again to remove the prefix a second
            // time, which throws "Address already in use" when another test's server took the port in between.
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                try
                {
                    await ServeAsync(ctx);
                }
                catch (Exception e) when (e is HttpListenerException or IOException)
                {
                    // client went away
                }
            }
        }

        private async Task ServeAsync(HttpListenerContext ctx)
        {
            var response = ctx.Response;
            if (ctx.Request.Url?.AbsolutePath != "/models/tiny-Q4_K_M.gguf")
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }

            response.Headers["ETag"] = "\"v1\"";
            response.Headers["Accept-Ranges"] = "bytes";
            long from = 0, to = _data.Length - 1;
            var range = ctx.Request.Headers["Range"];
            if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
            {
                var parts = range[6..].Split('-');
                from = long.Parse(parts[0], CultureInfo.InvariantCulture);
                to = parts[1].Length > 0 ? Math.Min(long.Parse(parts[1], CultureInfo.InvariantCulture), to) : to;
                response.StatusCode = 206;
                response.Headers["Content-Range"] = $"bytes {from}-{to}/{_data.Length}";
            }

            var length = (int)(to - from + 1);
            response.ContentLength64 = length;
            await response.OutputStream.WriteAsync(_data.AsMemory((int)from, length));
            Interlocked.Add(ref _bodyBytes, length);
            response.Close();
        }
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using LlmKube.Sandbox.Admission;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Control;
using LlmKube.Sandbox.Faults;
using LlmKube.Sandbox.Gc;
using LlmKube.Sandbox.Http;
using LlmKube.Sandbox.Kubeconfig;
using LlmKube.Sandbox.Patching;
using LlmKube.Sandbox.Rbac;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Simulation;
using LlmKube.Sandbox.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKube.Sandbox;

/// <summary>
/// An in-process emulator of the Kubernetes API server on 127.0.0.1, for tests and demos. It stores and
/// serves objects; it runs no pods and schedules nothing. See <c>src/LlmKube.Sandbox/README.md</c>.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;
    private readonly List<Task> _loops;
    private readonly ObjectStore _store;
    private readonly SandboxOptions _options;
    private readonly X509Certificate2? _certificate;
    private int _disposed;

    private SandboxServer(
        WebApplication app, CancellationTokenSource stopping, List<Task> loops, ObjectStore store, SandboxControl control, SandboxOptions options, Uri baseAddress, Uri? secureAddress, X509Certificate2? certificate)
    {
        SecureBaseAddress = secureAddress;
        _certificate = certificate;
        CertificateAuthorityPem = certificate is null ? null : SelfSignedCertificate.Pem(certificate);
        _app = app;
        _stopping = stopping;
        _loops = loops;
        _store = store;
        Control = control;
        _options = options;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:43121/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The HTTPS endpoint (self-signed; see <see cref="CertificateAuthorityPem"/>), or null when disabled.</summary>
    public Uri? SecureBaseAddress { get; }

    /// <summary>The PEM certificate of the HTTPS endpoint, to trust as its CA.</summary>
    public string? CertificateAuthorityPem { get; }

    /// <summary>The test hooks (also served over HTTP under <c>/sandbox/v1/</c>).</summary>
    public SandboxControl Control { get; }

    /// <summary>The admin's bearer token.</summary>
    public string AdminToken => _options.AdminToken;

    /// <summary>The bearer token that authenticates as <paramref name="user"/> (e.g. <c>system:serviceaccount:ns:name</c>).</summary>
    public static string TokenFor(string user) => Authenticator.TokenFor(user);

    public static async Task<SandboxServer> StartAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger("LlmKube.Sandbox");
        var time = options.TimeProvider;
        var store = new ObjectStore(options.WatchHistorySize);
        var registry = new ResourceRegistry();
        var cel = new CelRules();
        var validator = new SchemaValidator(cel, (rule, why) => logger.LogWarning("CEL rule {Rule} skipped: {Reason}", rule, why));
        var service = new ResourceService(store, registry, new Admitter(validator, cel), new ApplyMemory(), time, logger);
        var counters = new RequestCounters();
        var faults = new FaultInjector(options.Faults, store, time, logger);
        var control = new SandboxControl(service, counters, faults, time);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            RbacFileLoader.EnsureNamespace(service, ns);
        }

        if (options.Rbac.RoleFiles.Count > 0)
        {
            var loaded = RbacFileLoader.Load(service, options.Rbac.RoleFiles, options.Rbac.User);
            logger.LogInformation("Loaded {Count} RBAC objects from {Files}", loaded, string.Join(", ", options.Rbac.RoleFiles));
        }

        var stopping = new CancellationTokenSource();
        var loops = new List<Task>();
        if (options.GarbageCollection == GarbageCollectionMode.Background)
        {
            var collector = new GarbageCollector(service, logger);
            loops.Add(Task.Run(() => collector.RunAsync(stopping.Token), CancellationToken.None));
        }

        var simulator = new Simulator(options.Simulation, store, control, time, logger);
        loops.Add(Task.Run(() => simulator.RunAsync(stopping.Token), CancellationToken.None));
        loops.Add(Task.Run(() => faults.RunWatchDropsAsync(stopping.Token), CancellationToken.None));
        loops.Add(Task.Run(() => BookmarksAsync(store, options.BookmarkInterval, time, stopping.Token), CancellationToken.None));

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "LlmKube.Sandbox" });
        builder.Logging.ClearProviders();
        var certificate = options.HttpsPort >= 0 ? SelfSignedCertificate.Create(time.GetUtcNow()) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
            if (certificate is not null)
            {
                kestrel.Listen(IPAddress.Loopback, options.HttpsPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    listen.UseHttps(certificate);
                });
            }

            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Limits.MinResponseDataRate = null;
        });
        var app = builder.Build();
        Uri? baseAddress = null;
        var authenticator = new Authenticator(options.AdminToken);
        var authorizer = new RbacAuthorizer(store, options.Rbac.Enforce);
        var endpoints = new ResourceEndpoints(service, new WatchStreamer(store, time), authorizer, time);
        var controlEndpoints = new ControlEndpoints(control, () => baseAddress!);
        var handler = new ApiHandler(registry, authenticator, authorizer, faults, counters, endpoints, controlEndpoints, options, logger);
        app.Run(http => handler.HandleAsync(http, stopping.Token));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.TrimEnd('/') + "/"))
            .ToList();
        baseAddress = addresses.First(a => a.Scheme == Uri.UriSchemeHttp);
        var secure = addresses.FirstOrDefault(a => a.Scheme == Uri.UriSchemeHttps);
        logger.LogInformation("Sandbox API server listening on {Address} and {SecureAddress}", baseAddress, secure);
        return new SandboxServer(app, stopping, loops, store, control, options, baseAddress, secure, certificate);
    }

    /// <summary>
    /// A kubeconfig for this server, for the admin unless <paramref name="user"/> is given. It points at the HTTPS
    /// endpoint with its certificate as CA, because kubectl (client-go) sends credentials only over TLS: over plain
    /// HTTP its requests would be <c>system:anonymous</c>. Only when HTTPS is disabled does the admin's point at
    /// <see cref="BaseAddress"/> (with RBAC enforced kubectl is then anonymous there).
    /// </summary>
    public string KubeconfigYaml(string? user = null)
    {
        if (SecureBaseAddress is null)
        {
            return user is null
                ? KubeconfigWriter.Render(BaseAddress, "sandbox-admin", AdminToken)
                : throw new InvalidOperationException("a user kubeconfig needs the HTTPS endpoint (SandboxOptions.HttpsPort >= 0)");
        }

        return user is null
            ? KubeconfigWriter.Render(SecureBaseAddress, "sandbox-admin", AdminToken, CertificateAuthorityPem)
            : KubeconfigWriter.Render(SecureBaseAddress, user, TokenFor(user), CertificateAuthorityPem);
    }

    /// <summary>Writes <see cref="KubeconfigYaml"/> to <paramref name="path"/> (creating its directory) and returns the full path.</summary>
    public string WriteKubeconfig(string path, string? user = null)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(full, KubeconfigYaml(user));
        return full;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _store.DropWatches();
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stopping.Dispose();
        _certificate?.Dispose();
    }

    private static async Task BookmarksAsync(ObjectStore store, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                store.Bookmark();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

}

using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace LlmKube.Fetcher.Sources;

/// <summary>
/// The one HTTP stack of the process: no automatic redirects (we follow them ourselves, dropping credentials across
/// origins), every connection through the <see cref="NetworkPolicy"/>, every credential-bearing request through the
/// <see cref="CredentialOriginGuard"/>, no decompression, extra CA certificates trusted in addition to the system
/// roots, never instead of them.
/// </summary>
internal sealed class HttpClients : IDisposable
{
    private readonly X509Certificate2Collection _extraRoots;

    public HttpClients(string? caDir, int connections, Func<Uri, bool> isCredentialOrigin, NetworkPolicy network)
    {
        _extraRoots = LoadCertificates(caDir);
        Handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = true,
            MaxConnectionsPerServer = connections + 2,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            EnableMultipleHttp2Connections = true,
            ConnectCallback = network.ConnectAsync,
        };
        if (_extraRoots.Count > 0)
        {
            Handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate };
        }

        Guarded = new CredentialOriginGuard(Handler, isCredentialOrigin);
        Client = new HttpClient(Guarded, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        Client.DefaultRequestHeaders.UserAgent.ParseAdd("llmkube-fetch/0.1");
    }

    public SocketsHttpHandler Handler { get; }

    /// <summary>The handler every client of the process sends through (sources and the S3 SDK).</summary>
    public HttpMessageHandler Guarded { get; }

    public HttpClient Client { get; }

    public int ExtraRootCount => _extraRoots.Count;

    public void Dispose()
    {
        Client.Dispose();
        Guarded.Dispose();
        foreach (var c in _extraRoots)
        {
            c.Dispose();
        }
    }

    internal static X509Certificate2Collection LoadCertificates(string? caDir)
    {
        var all = new X509Certificate2Collection();
        if (caDir is null)
        {
            return all;
        }

        if (!Directory.Exists(caDir))
        {
            throw new Failures.FetchException(FailureReason.InvalidArguments, $"--ca-dir {caDir} is not a directory");
        }

        foreach (var file in Directory.EnumerateFiles(caDir).Order(StringComparer.Ordinal))
        {
            // ConfigMap mounts hold ..data symlinks and dot-dirs; only regular PEM files count.
            if (Path.GetFileName(file).StartsWith('.'))
            {
                continue;
            }

            try
            {
                all.ImportFromPemFile(file);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // Not a PEM certificate (e.g. a README in the ConfigMap); skipped.
            }
        }

        return all;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true; // trusted by the system roots
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false; // name mismatch or no certificate: never overridden
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }
}

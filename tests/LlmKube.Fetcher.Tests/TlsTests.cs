using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests;

/// <summary>
/// Custom CA certificates (--ca-dir / LLMKUBE_CA_DIR) are trusted in addition to the system roots. Offline, a test can
/// show the custom CA being honoured and an unknown CA refused as SourceUntrusted; that system roots stay trusted is
/// shown by construction (a chain the system accepts is accepted before the custom store is consulted).
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task Custom_CA_is_added_to_the_system_roots_and_an_unknown_CA_is_SourceUntrusted()
    {
        using var ca = CreateCa("llmkube test CA");
        using var leaf = CreateLeaf(ca);
        await using var hub = await HubServer.StartAsync(leaf);
        var data = TestData.Random(2 << 20, 91);
        hub.AddPlain("m.gguf", data);
        var url = hub.Endpoint + "/files/m.gguf";

        var untrusted = await InProcess.FetchAsync(url, _tmp.Combine("a", "m.gguf"), "--max-attempts", "1");
        Assert.Equal(12, untrusted.ExitCode);
        Assert.StartsWith("reason=SourceUntrusted", untrusted.ReasonLine, StringComparison.Ordinal);

        var caDir = _tmp.Combine("custom-certs");
        Directory.CreateDirectory(caDir);
        File.WriteAllText(Path.Combine(caDir, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(caDir, "README"), "not a certificate");
        var trusted = await InProcess.RunAsync(["fetch", "--source", url, "--dest", _tmp.Combine("b", "m.gguf"), "--progress", "none"],
            new Dictionary<string, string> { ["LLMKUBE_CA_DIR"] = caDir });
        Assert.True(trusted.ExitCode == 0, trusted.Stderr);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(_tmp.Combine("b", "m.gguf")));

        // A CA that did not sign the server certificate does not help.
        using var other = CreateCa("other CA");
        var otherDir = _tmp.Combine("other-certs");
        Directory.CreateDirectory(otherDir);
        File.WriteAllText(Path.Combine(otherDir, "other.crt"), other.ExportCertificatePem());
        var wrong = await InProcess.FetchAsync(url, _tmp.Combine("c", "m.gguf"), "--ca-dir", otherDir, "--max-attempts", "1");
        Assert.Equal(12, wrong.ExitCode);
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 CreateLeaf(X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.Parse("127.0.0.2"));
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = req.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Kestrel on Linux wants a key it can export; round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Exceptions;
using LlmKube.Operator.Configuration;

namespace LlmKube.Operator.Tests;

/// <summary>
/// <see cref="KubeconfigFile"/> must read every kubeconfig exactly as the client's own reader
/// (<see cref="KubernetesClientConfiguration.BuildConfigFromConfigFile(string, string, string, bool)"/>) does.
/// </summary>
public sealed class KubeconfigFileTests : IDisposable
{
    // RSA key generation is the slow part: one set of PEMs for every test.
    private static readonly (string Ca, string Cert, string Key) Pems = (Pem("ca"), Pem("client"), Key());

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("kubeconfig-");

    /// <summary>The certificate files and the exec plugin the kubeconfigs name, next to them.</summary>
    public KubeconfigFileTests()
    {
        var certs = _dir.CreateSubdirectory("certs");
        File.WriteAllText(Path.Combine(certs.FullName, "ca.crt"), Pems.Ca);
        File.WriteAllText(Path.Combine(certs.FullName, "client.crt"), Pems.Cert);
        File.WriteAllText(Path.Combine(certs.FullName, "client.key"), Pems.Key);
        File.WriteAllText(Plugin, """
            #!/bin/sh
            echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"from-plugin"}}'
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string Plugin => Path.Combine(_dir.FullName, "get-token");

    public void Dispose() => _dir.Delete(recursive: true);

    // a token, a namespace on the context, TLS verification off
    private const string TokenConfig =
        """
        apiVersion: v1
        kind: Config
        current-context: dev
        preferences: {}
        clusters:
        - name: c
          cluster:
            server: https://10.0.0.1:6443
            insecure-skip-tls-verify: true
        contexts:
        - name: dev
          context: {cluster: c, user: u, namespace: team-a}
        users:
        - name: u
          user: {token: abc.def}
        """;

    // CA, client certificate and key as files relative to the kubeconfig; a TLS server name; a second context
    private const string FileConfig =
        """
        apiVersion: v1
        kind: Config
        current-context: prod
        clusters:
        - name: p
          cluster:
            server: https://api.example.test
            certificate-authority: certs/ca.crt
            tls-server-name: api.internal
        contexts:
        - name: other
          context: {cluster: p, user: nobody}
        - name: prod
          context: {cluster: p, user: admin}
        users:
        - name: admin
          user:
            client-certificate: certs/client.crt
            client-key: certs/client.key
        - name: nobody
          user: {username: a, password: b}
        extensions:
        - name: ignored
          extension: {any: thing}
        """;

    // everything inline as base64; an exec plugin declared on another user; a YAML merge key
    private const string InlineConfig =
        """
        apiVersion: v1
        kind: Config
        current-context: inline
        clusters:
        - name: i
          cluster: &cluster
            server: https://192.0.2.7
            certificate-authority-data: CA_DATA
        - name: j
          cluster:
            <<: *cluster
            server: https://192.0.2.8
        contexts:
        - name: inline
          context: {cluster: j, user: basic}
        users:
        - name: basic
          user: {username: admin, password: s3cret, client-certificate-data: CERT_DATA, client-key-data: KEY_DATA}
        - name: plugin
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: get-token
              args: [--cluster, x]
              env: [{name: A, value: b}]
        """;

    // the current user gets its token from an exec plugin, as cloud kubeconfigs do (the client runs it while loading)
    private const string ExecConfig =
        """
        apiVersion: v1
        kind: Config
        current-context: cloud
        clusters:
        - name: k
          cluster: {server: "https://k.example.test:443", insecure-skip-tls-verify: true}
        contexts:
        - name: cloud
          context: {cluster: k, user: iam, namespace: "ml"}
        users:
        - name: iam
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: PLUGIN
              args: ["--cluster", "k"]
              env: [{name: AWS_PROFILE, value: ml}]
              interactiveMode: Never
              provideClusterInfo: true
        """;

    public static TheoryData<string> Kubeconfigs => new() { TokenConfig, FileConfig, InlineConfig, ExecConfig };

    [Theory]
    [MemberData(nameof(Kubeconfigs))]
    public void Reads_a_kubeconfig_as_the_client_does(string yaml)
    {
        var path = Write(yaml);

        var ours = KubeconfigFile.Load(path);
        var client = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);

        Assert.Equal(Summary(client), Summary(ours));
    }

    [Fact]
    public void An_exec_plugin_of_the_current_user_supplies_the_token()
    {
        var config = KubeconfigFile.Load(Write(ExecConfig));

        Assert.Equal("from-plugin", config.AccessToken);
        Assert.Equal("ml", config.Namespace);
    }

    [Fact]
    public void Paths_in_the_file_are_relative_to_the_file_not_the_working_directory()
    {
        var path = Write(FileConfig);
        var certs = Path.Combine(_dir.FullName, "certs");

        var config = KubeconfigFile.Load(Path.GetRelativePath(Environment.CurrentDirectory, path));

        Assert.Equal(Path.Combine(certs, "client.crt"), config.ClientCertificateFilePath);
        Assert.Equal(Path.Combine(certs, "client.key"), config.ClientKeyFilePath);
        Assert.Equal(Thumbprint(Path.Combine(certs, "ca.crt")), Assert.Single(config.SslCaCerts!).Thumbprint);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var missing = Path.Combine(_dir.FullName, "nope");

        var error = Assert.Throws<KubeConfigException>(() => KubeconfigFile.Load(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clusters: [unclosed", "is not valid YAML")]
    [InlineData("", "is empty")]
    [InlineData("# only a comment\n", "is empty")]
    public void A_file_that_is_not_a_kubeconfig_is_refused_with_its_name(string yaml, string expected)
    {
        var path = Write(yaml);

        var error = Assert.Throws<KubeConfigException>(() => KubeconfigFile.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_current_context_that_does_not_exist_is_refused_as_the_client_refuses_it()
    {
        var path = Write(TokenConfig.Replace("current-context: dev", "current-context: gone", StringComparison.Ordinal));

        var ours = Assert.Throws<KubeConfigException>(() => KubeconfigFile.Load(path));
        var client = Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.BuildConfigFromConfigFile(path));

        Assert.Equal(client.Message, ours.Message);
    }

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir.FullName, $"config-{Guid.NewGuid():N}");
        File.WriteAllText(path, yaml
            .Replace("CA_DATA", Base64(Pems.Ca), StringComparison.Ordinal)
            .Replace("CERT_DATA", Base64(Pems.Cert), StringComparison.Ordinal)
            .Replace("KEY_DATA", Base64(Pems.Key), StringComparison.Ordinal)
            .Replace("PLUGIN", Plugin, StringComparison.Ordinal));
        return path;
    }

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(text));

    private static string Pem(string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    }

    private static string Key()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportRSAPrivateKeyPem();
    }

    private static string Thumbprint(string pemFile)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(pemFile));
        return certificate.Thumbprint;
    }

    /// <summary>Every setting the operator's client uses, as text.</summary>
    private static string Summary(KubernetesClientConfiguration c) => string.Join('\n',
        $"host={c.Host}", $"namespace={c.Namespace}", $"context={c.CurrentContext}", $"token={c.AccessToken}",
        $"user={c.Username}", $"password={c.Password}", $"skipTls={c.SkipTlsVerify}", $"tlsServerName={c.TlsServerName}",
        $"certData={c.ClientCertificateData}", $"keyData={c.ClientCertificateKeyData}",
        $"certFile={c.ClientCertificateFilePath}", $"keyFile={c.ClientKeyFilePath}",
        $"ca={string.Join(',', c.SslCaCerts?.Select(x => x.Thumbprint) ?? [])}",
        $"tokenProvider={c.TokenProvider?.GetType().Name}");
}

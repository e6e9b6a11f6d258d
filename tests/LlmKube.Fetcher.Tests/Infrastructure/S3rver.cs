using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LlmKube.Tests.Shared;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>The npm package s3rver (an S3 API emulator that checks SigV4 signatures) on a free loopback port.</summary>
public sealed class S3rver : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly TempDir _dir = new();
    private readonly Process _process;

    private S3rver(string binary, string bucket)
    {
        Port = LocalPorts.Free();
        var psi = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-d", _dir.Path, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--address", "127.0.0.1", "--silent", "--configure-bucket", bucket })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        ServerProcesses.WaitForPort(_process, Port, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));

        Client = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public IAmazonS3 Client { get; }

    public static S3rver Start(string bucket) => new(TestData.Which("s3rver") ?? throw new InvalidOperationException("s3rver not installed"), bucket);

    public async Task PutAsync(string bucket, string key, byte[] data)
    {
        using var ms = new MemoryStream(data);
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = ms, UseChunkEncoding = false });
    }

    public Dictionary<string, string> Env(string? access = AccessKey, string? secret = SecretKey)
    {
        var env = new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = Endpoint, ["AWS_REGION"] = "us-east-1" };
        if (access is not null && secret is not null)
        {
            env["AWS_ACCESS_KEY_ID"] = access;
            env["AWS_SECRET_ACCESS_KEY"] = secret;
        }

        return env;
    }

    public void Dispose()
    {
        Client.Dispose();
        ServerProcesses.Stop(_process);
        _dir.Dispose();
    }
}

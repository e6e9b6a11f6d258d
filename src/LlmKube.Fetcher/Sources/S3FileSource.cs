using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>
/// `s3://bucket/key` through AWSSDK.S3 (SigV4). Ranged GETs carry If-Match with the probed ETag, so a replaced object
/// fails with 412 instead of mixing versions. The expected sha256 must come from the Model: S3's ETag is not one.
/// </summary>
internal sealed class S3FileSource(Lazy<IAmazonS3> client, string bucket, string key) : IFileSource
{
    public string Display { get; } = $"s3://{bucket}/{key}";

    public async Task<RemoteFile> ProbeAsync(CancellationToken ct)
    {
        var meta = await Call(() => client.Value.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, ct)).ConfigureAwait(false);
        var validator = new Validator(meta.ETag, meta.LastModified?.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture));
        return new RemoteFile(meta.ContentLength, validator, validator, AcceptsRanges: true);
    }

    public async Task<Stream> OpenAsync(RemoteFile remote, long offset, long? length, CancellationToken ct)
    {
        var request = new GetObjectRequest { BucketName = bucket, Key = key };
        if (offset > 0 || length is not null)
        {
            var end = length is { } l ? offset + l - 1 : (remote.Size ?? throw new InvalidOperationException("size unknown")) - 1;
            request.ByteRange = new ByteRange(offset, end);
        }

        if (remote.DataValidator.ETag is { } etag)
        {
            request.EtagToMatch = etag;
        }

        var response = await Call(() => client.Value.GetObjectAsync(request, ct)).ConfigureAwait(false);
        if (!remote.DataValidator.Admits(new Validator(response.ETag, response.LastModified?.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture)), null, null))
        {
            // An S3-compatible server that ignores If-Match must not mix two versions either.
            response.Dispose();
            throw new SourceChangedException($"{Display}: the object changed during the transfer (ETag {response.ETag}, probed {remote.DataValidator.ETag})");
        }

        return new OwnedStream(response.ResponseStream, response);
    }

    private async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception e)
        {
            var code = (int)e.StatusCode;
            throw code switch
            {
                412 => new SourceChangedException($"{Display}: the object changed during the transfer (If-Match failed)"),
                401 or 403 => new FetchException(FailureReason.SourceUnauthorized, $"{Display}: HTTP {code} {e.ErrorCode} (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the Model's sourceSecretRef)", e),
                404 => new FetchException(FailureReason.SourceNotFound, $"{Display}: HTTP 404 {e.ErrorCode}", e),
                _ when code is 0 or 408 or 429 or >= 500 => new HttpRequestException($"{Display}: HTTP {code} {e.ErrorCode}", e, e.StatusCode),
                _ => new FetchException(FailureReason.SourceUnreachable, $"{Display}: HTTP {code} {e.ErrorCode}", e),
            };
        }
        catch (AmazonServiceException e) when (e.InnerException is HttpRequestException or IOException or TimeoutException or OperationCanceledException)
        {
            throw new HttpRequestException($"{Display}: {e.InnerException.Message}", e.InnerException);
        }
        catch (AmazonClientException e) when (e.InnerException is HttpRequestException or IOException)
        {
            throw new HttpRequestException($"{Display}: {e.InnerException.Message}", e.InnerException);
        }
    }

    /// <summary>The S3 client, built on the process's HTTP stack (so --ca-dir applies) and only when an s3:// source needs it.</summary>
    internal static IAmazonS3 CreateClient(Cli.S3Settings s3, HttpMessageHandler handler)
    {
        var region = s3.Region ?? "us-east-1";
        var config = new AmazonS3Config
        {
            AuthenticationRegion = region,
            HttpClientFactory = new SharedHandlerFactory(handler),
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            MaxErrorRetry = 0,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (s3.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }

        AWSCredentials credentials = (s3.AccessKeyId, s3.SecretAccessKey, s3.SessionToken) switch
        {
            ({ } id, { } secret, { } token) => new SessionAWSCredentials(id, secret, token),
            ({ } id, { } secret, null) => new BasicAWSCredentials(id, secret),
            _ => new AnonymousAWSCredentials(),
        };
        return new AmazonS3Client(credentials, config);
    }

    private sealed class SharedHandlerFactory(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            // Not disposed with the client: disposing it would dispose the process's shared handler (HttpClients owns it).
            new(new RedirectRefusal(handler), disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;
    }
}

/// <summary>
/// A redirect from an S3 endpoint is an answer, never a hop: the SDK would re-sign the request for whatever a 307
/// Location names (or throw on forms it cannot parse), and it takes a 3xx to HEAD for an empty object.
/// </summary>
internal sealed class RedirectRefusal(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var code = (int)response.StatusCode;
        if (code is >= 300 and < 400)
        {
            response.Dispose();
            throw new FetchException(FailureReason.SourceUnreachable,
                $"the S3 endpoint {request.RequestUri?.GetLeftPart(UriPartial.Authority)} answered HTTP {code} (a redirect); signed requests do not follow redirects: set AWS_ENDPOINT_URL and AWS_REGION to the bucket's own endpoint");
        }

        return response;
    }
}

/// <summary>A stream that also disposes what owns it (an SDK response).</summary>
internal sealed class OwnedStream(Stream inner, IDisposable owner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }

        base.Dispose(disposing);
    }
}

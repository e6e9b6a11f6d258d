using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>
/// The last line of "a credential goes only to the origin it was configured for": every request that leaves the process
/// carrying a credential (an Authorization header: the hub token, an S3 signature; or an S3 session token) must go to
/// an origin that credential was configured for, or it fails before a byte is sent. The sources attach credentials per
/// hop themselves; this catches what a library would do on its own (the S3 SDK's redirect handling), on every hop.
/// </summary>
internal sealed class CredentialOriginGuard(HttpMessageHandler inner, Func<Uri, bool> isCredentialOrigin) : DelegatingHandler(inner)
{
    /// <summary>The origins the credentials of <paramref name="options"/> were configured for.</summary>
    public static Func<Uri, bool> OriginsOf(FetchOptions options)
    {
        var hub = options.HfToken is null ? null : AbsoluteOrNull(options.HfEndpoint);
        var s3Endpoint = options.S3.EndpointUrl is { } e ? AbsoluteOrNull(e) : null;
        var s3 = options.S3.AccessKeyId is not null;
        return uri =>
            (hub is not null && HttpFileSource.SameOrigin(uri, hub))
            || (s3 && (s3Endpoint is not null
                ? HttpFileSource.SameOrigin(uri, s3Endpoint)
                : uri.Scheme == Uri.UriSchemeHttps && (uri.IdnHost.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase)
                    || uri.IdnHost.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase))));
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Check(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Check(request);
        return base.Send(request, cancellationToken);
    }

    private void Check(HttpRequestMessage request)
    {
        var carries = request.Headers.Authorization is not null || request.Headers.Contains("X-Amz-Security-Token");
        if (carries && request.RequestUri is { } uri && !isCredentialOrigin(uri))
        {
            throw new FetchException(FailureReason.SourceUntrusted,
                $"refusing to send credentials to {uri.Scheme}://{uri.Authority}: they were configured for another origin (a redirect or endpoint pointed elsewhere)");
        }
    }

    private static Uri? AbsoluteOrNull(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;
}

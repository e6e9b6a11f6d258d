using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>
/// A plain http(s) file. The probe is `GET Range: bytes=0-0` (works where HEAD is not signed, e.g. presigned URLs):
/// 206 tells the size and that ranges work; 200 means no ranges. Redirects are followed by hand; the Authorization
/// header only goes to the host it was meant for.
/// </summary>
internal sealed class HttpFileSource(HttpClient client, Uri url, string display, AuthenticationHeaderValue? auth = null, Uri? authOrigin = null) : IFileSource
{
    private const int MaxRedirects = 10;
    private readonly Uri _start = url;
    private Uri _dataUrl = url;

    public string Display { get; } = display;

    public async Task<RemoteFile> ProbeAsync(CancellationToken ct)
    {
        using var response = await SendAsync(_start, r => r.Headers.Range = new RangeHeaderValue(0, 0), ct).ConfigureAwait(false);
        var validator = ValidatorOf(response);
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent:
                var total = response.Content.Headers.ContentRange?.Length;
                return new RemoteFile(total, validator, validator, AcceptsRanges: total is not null);
            case HttpStatusCode.OK:
                return new RemoteFile(response.Content.Headers.ContentLength, validator, validator, AcceptsRanges: false);
            case HttpStatusCode.RequestedRangeNotSatisfiable when response.Content.Headers.ContentRange?.Length == 0:
                return new RemoteFile(0, validator, validator, AcceptsRanges: false);
            default:
                throw StatusError(response);
        }
    }

    public async Task<Stream> OpenAsync(RemoteFile remote, long offset, long? length, CancellationToken ct)
    {
        var ranged = remote.AcceptsRanges && (offset > 0 || length is not null);
        var response = await SendAsync(_dataUrl, r =>
        {
            if (!ranged)
            {
                return;
            }

            r.Headers.Range = new RangeHeaderValue(offset, length is { } l ? offset + l - 1 : null);
            if (remote.DataValidator.IfRange is { } ifRange)
            {
                if (ifRange.StartsWith('"'))
                {
                    r.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue(ifRange));
                }
                else
                {
                    r.Headers.TryAddWithoutValidation("If-Range", ifRange);
                }
            }
        }, ct).ConfigureAwait(false);
        try
        {
            var answer = ValidatorOf(response);
            if (ranged && response.StatusCode == HttpStatusCode.PartialContent)
            {
                var range = response.Content.Headers.ContentRange;
                if (range?.From != offset)
                {
                    throw new TransientException($"{Display}: server answered a different range than asked ({range})");
                }

                if (!remote.DataValidator.Admits(answer, range.Length, remote.Size))
                {
                    // Every range must be of the probed version: a server that ignores If-Range would otherwise mix two.
                    throw new SourceChangedException($"{Display}: the source changed during the transfer (a range of another version: {Describe(answer, range.Length)}, probed {Describe(remote.DataValidator, remote.Size)})");
                }
            }
            else if (response.StatusCode == HttpStatusCode.OK)
            {
                if (ranged)
                {
                    // If-Range did not match: the whole (new) object came back.
                    throw new SourceChangedException($"{Display}: the source changed during the transfer (If-Range answered 200)");
                }

                if (!remote.DataValidator.Admits(answer, response.Content.Headers.ContentLength, remote.Size))
                {
                    throw new SourceChangedException($"{Display}: the source changed since it was probed ({Describe(answer, response.Content.Headers.ContentLength)}, probed {Describe(remote.DataValidator, remote.Size)})");
                }
            }
            else
            {
                throw StatusError(response);
            }

            return await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Sends a GET (or HEAD), following redirects by hand and remembering where the data lives.</summary>
    private async Task<HttpResponseMessage> SendAsync(Uri start, Action<HttpRequestMessage> configure, CancellationToken ct)
    {
        var target = start;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            configure(request);
            if (auth is not null && SameOrigin(target, authOrigin ?? _start))
            {
                request.Headers.Authorization = auth;
            }

            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new FetchException(FailureReason.SourceUnreachable, $"{Display}: more than {MaxRedirects} redirects");
                }

                var next = new Uri(target, location);
                NetworkPolicy.CheckRedirect(target, next, Display);
                target = next;
                continue;
            }

            if (target != start)
            {
                _dataUrl = target;
            }

            return response;
        }
    }

    private static string Describe(Validator v, long? size) =>
        $"ETag {v.ETag ?? "none"}, Last-Modified {v.LastModified ?? "none"}, {(size is { } n ? n + " bytes" : "size unknown")}";

    internal static Validator ValidatorOf(HttpResponseMessage response) => new(
        response.Headers.ETag?.ToString(),
        response.Content.Headers.LastModified?.ToString("R", CultureInfo.InvariantCulture));

    internal Exception StatusError(HttpResponseMessage response)
    {
        var code = (int)response.StatusCode;
        if (code is 408 or 429 or >= 500)
        {
            return new HttpRequestException($"{Display}: HTTP {code}", null, response.StatusCode);
        }

        return FailureClassifier.FromStatus(response.StatusCode, Display);
    }

    internal static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}

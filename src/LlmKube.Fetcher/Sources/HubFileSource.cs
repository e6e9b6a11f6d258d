using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>
/// A file of a Hugging Face repo: `HEAD {endpoint}/{repo}/resolve/{rev}/{path}` with the token, following redirects
/// within the hub's origin (renamed repos, resolve-cache) and stopping at the first one to another origin (the CDN). The hub announces the
/// LFS sha256 (X-Linked-Etag) and size (X-Linked-Size); the bytes come from the CDN without the token.
/// </summary>
internal sealed class HubFileSource : IFileSource
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _client;
    private readonly Uri _resolveUrl;
    private readonly AuthenticationHeaderValue? _auth;
    private HttpFileSource? _data;

    public HubFileSource(HttpClient client, string endpoint, string repo, string revision, string path, string? token)
    {
        _client = client;
        var escapedPath = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        _resolveUrl = new Uri($"{endpoint}/{repo}/resolve/{Uri.EscapeDataString(revision)}/{escapedPath}");
        _auth = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        Display = $"hf://{repo}@{revision}/{path}";
    }

    public string Display { get; }

    public async Task<RemoteFile> ProbeAsync(CancellationToken ct)
    {
        var target = _resolveUrl;
        string? linkedEtag = null, commit = null;
        long? linkedSize = null;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, target);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            request.Headers.Authorization = _auth;
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            linkedEtag = Header(response, "X-Linked-Etag") ?? linkedEtag ?? response.Headers.ETag?.ToString();
            commit = Header(response, "X-Repo-Commit") ?? commit;
            if (Header(response, "X-Linked-Size") is { } ls && long.TryParse(ls, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                linkedSize = size;
            }

            var code = (int)response.StatusCode;
            if (code is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                if (hop >= MaxRedirects)
                {
                    throw new FetchException(FailureReason.SourceUnreachable, $"{Display}: more than {MaxRedirects} redirects");
                }

                // Resolved against the current URL first: a protocol-relative `//host/path` is relative in URI terms but
                // names another origin, and the token must not follow it (the origin is compared on every hop).
                var next = new Uri(target, location);
                NetworkPolicy.CheckRedirect(target, next, Display);
                if (!HttpFileSource.SameOrigin(next, _resolveUrl))
                {
                    // The CDN: signed URL, no token.
                    _data = new HttpFileSource(_client, next, Display, _auth, _resolveUrl);
                    break;
                }

                target = next;
                continue;
            }

            if (response.StatusCode == HttpStatusCode.OK)
            {
                _data = new HttpFileSource(_client, target, Display, _auth, _resolveUrl);
                break;
            }

            throw code switch
            {
                401 or 403 => new FetchException(FailureReason.SourceUnauthorized,
                    $"{Display}: HTTP {code}; gated or private repo? set HF_TOKEN through the Model's sourceSecretRef"),
                404 => new FetchException(FailureReason.SourceNotFound, $"{Display}: HTTP 404 (repo, revision or file not found)"),
                _ when code is 408 or 429 or >= 500 => new HttpRequestException($"{Display}: HTTP {code}", null, response.StatusCode),
                _ => FailureClassifier.FromStatus(response.StatusCode, Display),
            };
        }

        var data = await _data.ProbeAsync(ct).ConfigureAwait(false);
        if (linkedSize is { } announced && data.Size is { } served && announced != served)
        {
            throw new FetchException(FailureReason.IntegrityMismatch, $"{Display}: the hub announces {announced} bytes but the CDN serves {served}");
        }

        var etag = Unquote(linkedEtag);
        var sha = etag is { Length: 64 } && etag.All(char.IsAsciiHexDigit) ? etag.ToLowerInvariant() : null;
        var identity = etag is null ? data.Identity : new Validator("\"" + etag + "\"", null);
        return data with { Size = data.Size ?? linkedSize, Identity = identity, AnnouncedSha256 = sha, Commit = commit };
    }

    public Task<Stream> OpenAsync(RemoteFile remote, long offset, long? length, CancellationToken ct) =>
        (_data ?? throw new InvalidOperationException("probe first")).OpenAsync(remote, offset, length, ct);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string? Unquote(string? etag) =>
        etag is null ? null : (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');
}

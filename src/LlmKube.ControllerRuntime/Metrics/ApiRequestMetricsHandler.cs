namespace LlmKube.ControllerRuntime;

/// <summary>
/// A <see cref="DelegatingHandler"/> for <c>new Kubernetes(config, handler)</c> that counts API requests as client-go
/// does (<c>rest_client_requests_total{code,method,host}</c>, code <c>&lt;error&gt;</c> when no response came) and
/// by verb (get, list, watch, create, update, patch, delete), resource and status code.
/// </summary>
public sealed class ApiRequestMetricsHandler : DelegatingHandler
{
    private readonly RuntimeMetrics _metrics;

    /// <summary>Creates the handler.</summary>
    public ApiRequestMetricsHandler(RuntimeMetrics metrics)
    {
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
    }

    /// <summary>Classifies a request: (verb, resource). Resource is <c>plural[/subresource]</c>, e.g. <c>deployments</c>, <c>inferenceservices/status</c>.</summary>
    public static (string Verb, string Resource) Classify(HttpMethod method, Uri? uri)
    {
        ArgumentNullException.ThrowIfNull(method);
        var path = uri == null ? string.Empty : (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?')[0]);
        var query = uri is { IsAbsoluteUri: true } ? uri.Query : string.Empty;
        var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);

        // /api/v1/... or /apis/{group}/{version}/...
        var i = segs.Length > 0 && segs[0] == "api" ? 2 : segs.Length > 0 && segs[0] == "apis" ? 3 : segs.Length;
        var rest = i <= segs.Length ? segs[i..] : [];
        if (rest.Length >= 2 && rest[0] == "namespaces" && rest.Length > 2)
        {
            rest = rest[2..];
        }

        var resource = rest.Length switch
        {
            0 => segs.Length > 0 ? segs[0] : "unknown",
            1 or 2 => rest[0],
            _ => rest[0] + "/" + rest[2],
        };
        var named = rest.Length >= 2;
        var watch = query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) || query.Contains("watch=1", StringComparison.Ordinal);
        var verb = method.Method switch
        {
            "GET" when watch => "watch",
            "GET" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => method.Method.ToLowerInvariant(),
        };
        return (verb, resource);
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (verb, resource) = Classify(request.Method, request.RequestUri);
        var host = request.RequestUri is { IsAbsoluteUri: true } uri ? uri.Authority : string.Empty;
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _metrics.ApiRequest(verb, resource, request.Method.Method, host, (int)response.StatusCode);
            return response;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _metrics.ApiRequest(verb, resource, request.Method.Method, host, null);
            throw;
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The LIST and the WATCH of every <see cref="IResourceClient{T}"/>, sent over the client's own HTTP pipeline (its
/// handlers, credentials and base address) and decoded straight from the answer's bytes with the options the request
/// asks for: without <c>metadata.managedFields</c> for a cache that drops them
/// (<see cref="KubernetesJsonNodes.WithoutManagedFields"/>). A refused request throws what the client throws, so
/// callers' 410 / 403 / 404 handling stays one rule.
/// </summary>
internal static class ApiGet
{
    /// <summary>
    /// One page of a LIST, within the client's own timeout (<see cref="Kubernetes.HttpClientTimeout"/>), as its typed
    /// calls are; a server that does not answer in time is a <see cref="TimeoutException"/> that says so.
    /// </summary>
    public static async Task<ListPage<T>> ListAsync<T>(IKubernetes client, ApiResource resource, ListRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var kubernetes = Client(client);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(kubernetes.HttpClientTimeout);
        try
        {
            using var response = await SendAsync(kubernetes, ListPathAndQuery(resource, request), timeout.Token).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var list = await JsonSerializer.DeserializeAsync<ObjectList<T>>(stream, Options(request.KeepManagedFields), timeout.Token).ConfigureAwait(false)
                    ?? throw new JsonException($"a LIST of {resource} answered null");
                return new ListPage<T>([.. list.Items ?? []], list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"no answer to a LIST of {resource} within {kubernetes.HttpClientTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (the client's timeout)", e);
        }
    }

    /// <summary>The client's options, or those that skip managedFields.</summary>
    public static JsonSerializerOptions Options(bool keepManagedFields) =>
        keepManagedFields ? KubernetesJsonNodes.Options : KubernetesJsonNodes.WithoutManagedFields;

    /// <summary>The client as the one class whose HTTP pipeline and credentials can be reused.</summary>
    public static Kubernetes Client(IKubernetes client) =>
        client as Kubernetes
        ?? throw new NotSupportedException($"lists and watches need KubernetesClient's Kubernetes class (its HTTP client and credentials), not {client.GetType().Name}");

    /// <summary>
    /// Sends a GET of <paramref name="pathAndQuery"/> (relative to the client's base address) and returns the answer once
    /// its headers are in; a refusal is thrown as the client's <see cref="HttpOperationException"/> with the server's answer.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(Kubernetes kubernetes, string pathAndQuery, CancellationToken cancellationToken)
    {
        // HTTP/2 or lower, as the client sends its own requests. A client configured with DisableHttp2 (a setting it
        // keeps private; the Manager never sets it) sends its other requests as HTTP/1.1 but still lists and watches this way.
        // Not disposed here: the answer refers to it, and a GET has no content to release.
        var httpRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(kubernetes.BaseUri, pathAndQuery))
        {
            Version = HttpVersion.Version20,
        };
        if (kubernetes.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(httpRequest, cancellationToken).ConfigureAwait(false);
        }

        var response = await kubernetes.HttpClient.SendAsync(httpRequest, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            // The shape the client throws for any failed call.
            var content = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpOperationException($"Operation returned an invalid status code '{response.StatusCode}'")
            {
                Request = new HttpRequestMessageWrapper(httpRequest, null),
                Response = new HttpResponseMessageWrapper(response, content),
            };
        }
    }

    /// <summary><c>api/v1/...</c> or <c>apis/group/version/...</c>, namespaced when asked, with the list's query.</summary>
    internal static string ListPathAndQuery(ApiResource resource, ListRequest request) =>
        Query(CollectionPath(resource, request.Namespace),
            ("continue", request.Continue),
            ("fieldSelector", request.FieldSelector),
            ("labelSelector", request.LabelSelector),
            ("limit", request.Limit?.ToString(CultureInfo.InvariantCulture)));

    /// <summary><c>api/v1/...</c> or <c>apis/group/version/...</c>, namespaced when asked, with the watch's query.</summary>
    internal static string WatchPathAndQuery(ApiResource resource, WatchRequest request) =>
        Query(CollectionPath(resource, request.Namespace),
            ("watch", "true"),
            ("allowWatchBookmarks", request.AllowBookmarks ? "true" : null),
            ("fieldSelector", request.FieldSelector),
            ("labelSelector", request.LabelSelector),
            ("resourceVersion", request.ResourceVersion),
            ("timeoutSeconds", request.TimeoutSeconds?.ToString(CultureInfo.InvariantCulture)));

    private static StringBuilder CollectionPath(ApiResource resource, string? @namespace)
    {
        var path = new StringBuilder(string.IsNullOrEmpty(resource.Group) ? "api/" : $"apis/{resource.Group}/");
        path.Append(resource.Version).Append('/');
        if (resource.Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            path.Append("namespaces/").Append(Uri.EscapeDataString(@namespace)).Append('/');
        }

        return path.Append(resource.Plural);
    }

    /// <summary>The path with each parameter that has a value, escaped, in the order given.</summary>
    private static string Query(StringBuilder path, params (string Name, string? Value)[] parameters)
    {
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            if (!string.IsNullOrEmpty(value))
            {
                path.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        return path.ToString();
    }
}

/// <summary>A list as returned by the API server, typed by item: what <see cref="ApiGet.ListAsync{T}"/> reads.</summary>
internal sealed class ObjectList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
{
    public string ApiVersion { get; set; } = string.Empty;

    public string Kind { get; set; } = string.Empty;

    public V1ListMeta Metadata { get; set; } = new();

    public IList<T> Items { get; set; } = [];
}

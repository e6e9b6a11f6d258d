using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Control;
using LlmKube.Sandbox.Discovery;
using LlmKube.Sandbox.Faults;
using LlmKube.Sandbox.Rbac;
using LlmKube.Sandbox.Resources;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmKube.Sandbox.Http;

/// <summary>
/// The request pipeline: control API, authentication, discovery and OpenAPI, then for resource requests
/// RBAC, fault injection, the operation itself, and the request counters.
/// </summary>
internal sealed class ApiHandler
{
    private readonly ResourceRegistry _registry;
    private readonly Authenticator _authenticator;
    private readonly RbacAuthorizer _authorizer;
    private readonly FaultInjector _faults;
    private readonly RequestCounters _counters;
    private readonly ResourceEndpoints _endpoints;
    private readonly ControlEndpoints _control;
    private readonly SandboxOptions _options;
    private readonly ILogger _logger;

    public ApiHandler(
        ResourceRegistry registry,
        Authenticator authenticator,
        RbacAuthorizer authorizer,
        FaultInjector faults,
        RequestCounters counters,
        ResourceEndpoints endpoints,
        ControlEndpoints control,
        SandboxOptions options,
        ILogger logger)
    {
        _registry = registry;
        _authenticator = authenticator;
        _authorizer = authorizer;
        _faults = faults;
        _counters = counters;
        _endpoints = endpoints;
        _control = control;
        _options = options;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext http, CancellationToken stopping)
    {
        var path = http.Request.Path.Value ?? "/";
        if (path.StartsWith("/sandbox/v1", StringComparison.Ordinal))
        {
            await _control.HandleAsync(http).ConfigureAwait(false);
            return;
        }

        var requestor = _authenticator.Authenticate(http.Request);
        if (requestor is null)
        {
            await HttpIo.WriteStatusAsync(http, new ApiException(401, "Unauthorized", "Unauthorized")).ConfigureAwait(false);
            return;
        }

        var watch = HttpIo.QueryFlag(http.Request, "watch");
        var request = ResourceRequest.Parse(http.Request.Method, path, watch);
        var user = requestor;
        var counted = false;
        if (request is not null)
        {
            // Counted as the response starts, not after its body is sent: a client that has its answer must find
            // its request in the counters (the finally below only covers answers that never started).
            http.Response.OnStarting(() =>
            {
                if (!counted)
                {
                    counted = true;
                    Count(user, request, http.Response.StatusCode);
                }

                return Task.CompletedTask;
            });
        }

        try
        {
            user = Impersonation.Apply(requestor, http.Request, _authorizer);
            if (request is null)
            {
                Authorize(user, RequestAttributes.NonResource(http.Request.Method.ToLowerInvariant(), path));
                await ServeNonResourceAsync(http, path).ConfigureAwait(false);
                return;
            }

            var type = _registry.Find(request.Group, request.Version, request.Resource);
            Authorize(user, new RequestAttributes(request.Verb, request.Group, request.Resource, request.Subresource, request.Namespace, request.Name));
            if (type is null)
            {
                throw ApiException.NotFoundPath("the server could not find the requested resource");
            }

            await _faults.DelayAsync(user, http.RequestAborted).ConfigureAwait(false);
            if (_faults.FailureFor(user, request.Verb, type, request.Name) is { } injected)
            {
                throw injected;
            }

            if (request.Verb == "watch")
            {
                Count(user, request, 200);
                counted = true;
            }

            await _endpoints.HandleAsync(http, request, type, user, stopping).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            if (!http.Response.HasStarted)
            {
                await HttpIo.WriteStatusAsync(http, e).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            // Client went away or the server is stopping.
        }
#pragma warning disable CA1031 // A bug in one request must answer 500, not tear down the server.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogError(e, "Request {Method} {Path} failed", http.Request.Method, path);
            if (!http.Response.HasStarted)
            {
                await HttpIo.WriteStatusAsync(http, ApiException.Internal(e.Message)).ConfigureAwait(false);
            }
        }
        finally
        {
            if (request is not null && !counted)
            {
                counted = true;
                Count(user, request, http.Response.StatusCode);
            }
        }
    }

    /// <summary>403 with the real server's message unless the identity may make the request.</summary>
    private void Authorize(UserInfo user, RequestAttributes attributes)
    {
        if (!_authorizer.Allows(user, attributes))
        {
            _logger.LogInformation("RBAC denied {User} {Verb} {Resource}{Path} in {Namespace}", user.Name, attributes.Verb, attributes.Resource, attributes.Path, attributes.Namespace);
            throw ApiException.Forbidden(attributes.Group, attributes.Resource, attributes.Name, attributes.ForbiddenMessage(user));
        }
    }

    private void Count(UserInfo user, ResourceRequest request, int code) =>
        _counters.Record(user.Name, request.Verb, request.Group, request.Resource, request.Subresource, request.Namespace, code);

    /// <summary>Discovery, OpenAPI, version and health; 404 for any other path that is not a resource path.</summary>
    private async Task ServeNonResourceAsync(HttpContext http, string path)
    {
        var trimmed = path.TrimEnd('/');
        var all = _registry.All;
        var accept = http.Request.Headers.Accept.ToString();
        switch (trimmed)
        {
            case "/healthz" or "/livez" or "/readyz":
                await HttpIo.WriteBytesAsync(http, 200, "ok"u8.ToArray(), "text/plain").ConfigureAwait(false);
                return;
            case "/version":
                await HttpIo.WriteJsonAsync(http, 200, DiscoveryDocuments.Version(_options.KubernetesVersion, DateTimeOffset.UnixEpoch)).ConfigureAwait(false);
                return;
            case "/api" or "/apis":
                var core = trimmed == "/api";
                if (DiscoveryDocuments.AggregatedContentType(accept) is { } aggregated)
                {
                    http.Response.Headers.Vary = "Accept";
                    await HttpIo.WriteJsonAsync(http, 200, DiscoveryDocuments.Aggregated(all, core, aggregated), aggregated).ConfigureAwait(false);
                }
                else
                {
                    var body = core ? DiscoveryDocuments.ApiVersions(http.Request.Host.Value ?? "127.0.0.1") : DiscoveryDocuments.GroupList(all);
                    await HttpIo.WriteJsonAsync(http, 200, body).ConfigureAwait(false);
                }

                return;
            case "/openapi/v3":
                await HttpIo.WriteJsonAsync(http, 200, OpenApiDocuments.Root(all, _registry.Generation)).ConfigureAwait(false);
                return;
            case "/openapi/v2":
                await HttpIo.WriteStatusAsync(http, ApiException.NotFoundPath("the sandbox serves no OpenAPI v2 document")).ConfigureAwait(false);
                return;
        }

        var parts = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var document = parts switch
        {
            ["openapi", "v3", "api", var v] => OpenApiDocuments.GroupVersion(all, string.Empty, v, _options.KubernetesVersion),
            ["openapi", "v3", "apis", var g, var v] => OpenApiDocuments.GroupVersion(all, g, v, _options.KubernetesVersion),
            ["api", var v] => DiscoveryDocuments.ResourceList(all, string.Empty, v),
            ["apis", var g] => DiscoveryDocuments.Group(all, g),
            ["apis", var g, var v] => DiscoveryDocuments.ResourceList(all, g, v),
            _ => null,
        };
        if (document is not null)
        {
            await HttpIo.WriteJsonAsync(http, 200, document).ConfigureAwait(false);
            return;
        }

        await HttpIo.WriteStatusAsync(http, ApiException.NotFoundPath("the server could not find the requested resource")).ConfigureAwait(false);
    }
}

using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// The default ClusterRoles and bindings every API server creates at start-up and that the sandbox does not
/// store (so they cannot be deleted here): <c>system:public-info-viewer</c> (version and health, for everybody,
/// anonymous included), <c>system:discovery</c> (discovery and OpenAPI, authenticated users only) and
/// <c>system:basic-user</c> (self reviews: <c>kubectl auth can-i</c> and <c>auth whoami</c>, authenticated users only).
/// </summary>
internal sealed class BootstrapPolicy
{
    private static readonly string[] Everybody = [UserInfo.Authenticated, UserInfo.Unauthenticated];
    private static readonly string[] AuthenticatedOnly = [UserInfo.Authenticated];

    private readonly (string[] Groups, JsonObject Rule)[] _grants =
    [
        (Everybody, NonResource("/healthz", "/livez", "/readyz", "/version", "/version/")),
        (AuthenticatedOnly, NonResource("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/")),
        (AuthenticatedOnly, Create("authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectrulesreviews")),
        (AuthenticatedOnly, Create("authentication.k8s.io", "selfsubjectreviews")),
    ];

    public bool Allows(UserInfo user, RequestAttributes request) =>
        _grants.Any(g => g.Groups.Any(user.Groups.Contains) && RbacAuthorizer.Matches(g.Rule, request));

    private static JsonObject NonResource(params string[] urls) => new()
    {
        ["verbs"] = new JsonArray("get"),
        ["nonResourceURLs"] = new JsonArray(urls.Select(u => (JsonNode?)u).ToArray()),
    };

    private static JsonObject Create(string group, params string[] resources) => new()
    {
        ["verbs"] = new JsonArray("create"),
        ["apiGroups"] = new JsonArray(group),
        ["resources"] = new JsonArray(resources.Select(r => (JsonNode?)r).ToArray()),
    };
}

using LlmKube.Sandbox.Api;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// The API server's impersonation filter: <c>Impersonate-User</c>, <c>Impersonate-Group</c>, <c>Impersonate-Uid</c>
/// and <c>Impersonate-Extra-KEY</c> (what <c>kubectl --as/--as-group/--as-uid</c> send). Each requested attribute
/// needs the <c>impersonate</c> verb for the requestor (users, groups and serviceaccounts in the core group; uids and
/// userextras/KEY in authentication.k8s.io), else 403 naming the requestor. The request is then authenticated and
/// authorised as the impersonated identity, which gets <c>system:authenticated</c> unless it names
/// <c>system:anonymous</c> or one of the two all-users groups itself.
/// </summary>
internal static class Impersonation
{
    private const string UserHeader = "Impersonate-User";
    private const string GroupHeader = "Impersonate-Group";
    private const string UidHeader = "Impersonate-Uid";
    private const string ExtraPrefix = "Impersonate-Extra-";
    private const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>The identity the request acts as: <paramref name="requestor"/> itself when no header asks otherwise.</summary>
    public static UserInfo Apply(UserInfo requestor, HttpRequest request, RbacAuthorizer authorizer)
    {
        var headers = request.Headers;
        var user = headers[UserHeader].ToString();
        var groups = headers[GroupHeader].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        var uid = headers[UidHeader].ToString();
        var extra = headers.Keys
            .Where(k => k.StartsWith(ExtraPrefix, StringComparison.OrdinalIgnoreCase))
            .GroupBy(k => Uri.UnescapeDataString(k[ExtraPrefix.Length..]).ToLowerInvariant(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.SelectMany(k => headers[k]).Select(v => v ?? string.Empty).ToList(), StringComparer.Ordinal);
        if (user.Length == 0)
        {
            if (groups.Count > 0 || uid.Length > 0 || extra.Count > 0)
            {
                throw ApiException.Internal($"requested impersonation of groups, uid or extra attributes without impersonating a user ({request.Path})");
            }

            return requestor;
        }

        var checks = new List<RequestAttributes>();
        var account = ServiceAccountName.Parse(user);
        checks.Add(account is { } sa
            ? Impersonate(string.Empty, "serviceaccounts", string.Empty, sa.Namespace, sa.Name)
            : Impersonate(string.Empty, "users", string.Empty, string.Empty, user));
        checks.AddRange(groups.Select(g => Impersonate(string.Empty, "groups", string.Empty, string.Empty, g)));
        checks.AddRange(extra.SelectMany(e => e.Value.Select(v => Impersonate(AuthenticationGroup, "userextras", e.Key, string.Empty, v))));
        if (uid.Length > 0)
        {
            checks.Add(Impersonate(AuthenticationGroup, "uids", string.Empty, string.Empty, uid));
        }

        foreach (var check in checks.Where(c => !authorizer.Allows(requestor, c)))
        {
            throw ApiException.Forbidden(check.Group, check.Resource, check.Name, check.ForbiddenMessage(requestor));
        }

        var effectiveGroups = groups.Count == 0 && account is { } named ? [.. ServiceAccountName.Groups(named.Namespace)] : groups;
        var allUsers = user == UserInfo.AnonymousName ? UserInfo.Unauthenticated : UserInfo.Authenticated;
        if (!effectiveGroups.Contains(allUsers) && (user == UserInfo.AnonymousName || !effectiveGroups.Contains(UserInfo.Unauthenticated)))
        {
            effectiveGroups.Add(allUsers);
        }

        return new UserInfo(user, uid, effectiveGroups, extra);
    }

    private static RequestAttributes Impersonate(string group, string resource, string subresource, string ns, string name) =>
        new("impersonate", group, resource, subresource, ns, name);
}

namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// Who a request acts as (after impersonation): name, uid, groups and extra attributes, as the API server's
/// <c>user.Info</c>. Members of <c>system:masters</c> bypass RBAC, as on a cluster.
/// </summary>
internal sealed record UserInfo(string Name, string Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    public const string AdminName = "sandbox:admin";
    public const string AnonymousName = "system:anonymous";
    public const string Authenticated = "system:authenticated";
    public const string Unauthenticated = "system:unauthenticated";
    public const string Masters = "system:masters";

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoExtra = new Dictionary<string, IReadOnlyList<string>>();

    public static UserInfo Anonymous { get; } = new(AnonymousName, string.Empty, [Unauthenticated], NoExtra);

    public static UserInfo Admin { get; } = new(AdminName, string.Empty, [Masters, Authenticated], NoExtra);

    /// <summary>Exempt from RBAC: the admin token, or anyone acting in group <c>system:masters</c>.</summary>
    public bool IsAdmin => Groups.Contains(Masters);

    /// <summary>An authenticated user: <c>system:authenticated</c>, plus the service-account groups for <c>system:serviceaccount:NS:NAME</c>.</summary>
    public static UserInfo Named(string name) =>
        new(name, string.Empty, ServiceAccountName.Parse(name) is { } account ? [Authenticated, .. ServiceAccountName.Groups(account.Namespace)] : [Authenticated], NoExtra);
}

/// <summary>The user names of service accounts, <c>system:serviceaccount:NS:NAME</c>, and the groups they imply.</summary>
internal static class ServiceAccountName
{
    private const string Prefix = "system:serviceaccount:";

    public static (string Namespace, string Name)? Parse(string user) =>
        user.StartsWith(Prefix, StringComparison.Ordinal) && user[Prefix.Length..].Split(':') is [{ Length: > 0 } ns, { Length: > 0 } name]
            ? (ns, name)
            : null;

    public static string Of(string ns, string name) => $"{Prefix}{ns}:{name}";

    public static IReadOnlyList<string> Groups(string ns) => ["system:serviceaccounts", $"system:serviceaccounts:{ns}"];
}

namespace LlmKube.Sandbox.Rbac;

/// <summary>An authenticated caller.</summary>
internal sealed record UserInfo(string Name, IReadOnlyList<string> Groups, bool IsAdmin)
{
    public const string AdminName = "sandbox:admin";

    public static UserInfo Anonymous { get; } = new("system:anonymous", ["system:unauthenticated"], false);

    public static UserInfo For(string name, bool isAdmin, IEnumerable<string>? extraGroups = null)
    {
        var groups = new List<string> { "system:authenticated" };
        if (isAdmin)
        {
            groups.Add("system:masters");
        }

        var parts = name.Split(':');
        if (parts is ["system", "serviceaccount", var ns, _])
        {
            groups.Add("system:serviceaccounts");
            groups.Add($"system:serviceaccounts:{ns}");
        }

        if (extraGroups is not null)
        {
            groups.AddRange(extraGroups);
        }

        return new UserInfo(name, groups, isAdmin);
    }
}

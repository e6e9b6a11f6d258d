using System.Text;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;
using LlmKube.Tests.Shared;

namespace Packaging.Tests;

/// <summary>
/// The chart (and config/rbac) grant exactly <see cref="OperatorPermissions.All"/>: nothing missing (the #1593 lesson:
/// an informer without list/watch never syncs) and nothing the operator does not use. That every granted verb is
/// really used is proven by tests/EndToEnd.Tests/RbacBoundScenarios.cs from the sandbox's request counters.
/// </summary>
public sealed class RbacRulesTests
{
    private const string Sa = "llmkube-operator";

    private static SortedSet<string> Expected(params PermissionScope[] scopes) =>
        Rendered.Keys(OperatorPermissions.All.Where(p => scopes.Contains(p.Scope)));

    [HelmFact]
    public async Task The_default_chart_grants_exactly_what_the_operator_uses()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync());

        AssertGrants(Expected(PermissionScope.Watched, PermissionScope.Cluster), objects.OfKind("ClusterRole", "llmkube-operator").Single(), "ClusterRole");
        AssertGrants(Expected(PermissionScope.LeaderElection), objects.OfKind("Role", "llmkube-leader-election").Single(), "leader-election Role");
        AssertOperatorConfig(objects, "the chart");
        Assert.Single(objects.OfKind("ClusterRole"));
        Assert.Equal(3, objects.OfKind("Role").Count());
        AssertBinding(objects.OfKind("ClusterRoleBinding", "llmkube-operator").Single(), "ClusterRole", "llmkube-operator");
        AssertBinding(objects.OfKind("RoleBinding", "llmkube-leader-election").Single(), "Role", "llmkube-leader-election");
        Assert.All(objects.OfKind("Role"), role => Assert.Equal(HelmChart.ReleaseNamespace, (string?)role["metadata"]!["namespace"]));
    }

    [HelmFact]
    public async Task With_a_watch_namespace_namespaced_rights_become_a_Role_there_and_only_volumes_stay_cluster_wide()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync("watchNamespace=team-a"));

        AssertGrants(Expected(PermissionScope.Cluster), objects.OfKind("ClusterRole", "llmkube-operator").Single(), "ClusterRole");
        var role = objects.OfKind("Role", "llmkube-operator").Single();
        Assert.Equal("team-a", (string?)role["metadata"]!["namespace"]);
        AssertGrants(Expected(PermissionScope.Watched), role, "Role in team-a");
        var binding = objects.OfKind("RoleBinding", "llmkube-operator").Single();
        Assert.Equal("team-a", (string?)binding["metadata"]!["namespace"]);
        AssertBinding(binding, "Role", "llmkube-operator");
        AssertGrants(Expected(PermissionScope.LeaderElection), objects.OfKind("Role", "llmkube-leader-election").Single(), "leader-election Role");
        AssertOperatorConfig(objects, "the chart with a watch namespace");
    }

    [HelmFact]
    public async Task Without_leader_election_there_is_no_lease_permission()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync("leaderElection.enabled=false"));

        Assert.Empty(objects.OfKind("Role", "llmkube-leader-election"));
        Assert.Empty(objects.OfKind("RoleBinding", "llmkube-leader-election"));
        Assert.DoesNotContain(objects.Where(o => (string?)o["kind"] is "Role" or "ClusterRole").SelectMany(Rendered.Grants), k => k.Contains(" leases ", StringComparison.Ordinal));
        AssertOperatorConfig(objects, "the chart without leader election");
        Assert.DoesNotContain("--leader-elect", Rendered.Args(objects));
        AssertGrants(Expected(PermissionScope.Watched, PermissionScope.Cluster), objects.OfKind("ClusterRole").Single(), "ClusterRole");
    }

    [Fact]
    public void Config_rbac_grants_exactly_what_the_operator_uses()
    {
        var objects = Directory.GetFiles(RepoPaths.Combine("config", "rbac"), "*.yaml").SelectMany(f => YamlDocuments.Parse(File.ReadAllText(f))).ToList();

        AssertGrants(Expected(PermissionScope.Watched, PermissionScope.Cluster), objects.OfKind("ClusterRole", "llmkube-operator").Single(), "config/rbac/role.yaml");
        AssertGrants(Expected(PermissionScope.LeaderElection), objects.OfKind("Role", "llmkube-leader-election").Single(), "config/rbac/leader_election_role.yaml");
        AssertBinding(objects.OfKind("ClusterRoleBinding").Single(), "ClusterRole", "llmkube-operator");
        AssertBinding(objects.OfKind("RoleBinding", "llmkube-leader-election").Single(), "Role", "llmkube-leader-election");
        AssertOperatorConfig(objects, "config/rbac");
    }

    [Fact]
    public void The_permission_list_never_grants_what_the_issue_forbids()
    {
        var keys = Rendered.Keys(OperatorPermissions.All);

        Assert.DoesNotContain(keys, k => k.Contains('*', StringComparison.Ordinal));
        Assert.Equal(["core persistentvolumeclaims create", "core persistentvolumeclaims list", "core persistentvolumeclaims watch"],
            keys.Where(k => k.Contains(" persistentvolumeclaims ", StringComparison.Ordinal)));
        Assert.DoesNotContain(keys, k => k.Contains(" secrets ", StringComparison.Ordinal) || k.Contains(" nodes ", StringComparison.Ordinal));
        // ConfigMaps: only creating, reading and replacing the operator's own, in its own namespace.
        Assert.Equal(["core configmaps create", $"core configmaps get [{OperatorPermissions.ConfigMapName}]", $"core configmaps update [{OperatorPermissions.ConfigMapName}]"],
            keys.Where(k => k.Contains(" configmaps ", StringComparison.Ordinal)));
        Assert.All(OperatorPermissions.All.Where(p => p.Resource == "configmaps"), p => Assert.Equal(PermissionScope.OperatorConfig, p.Scope));
        Assert.Equal(["core events create", "core events patch"], keys.Where(k => k.Contains(" events ", StringComparison.Ordinal)));
        Assert.Equal(keys.Count, OperatorPermissions.All.Count); // no duplicates
        Assert.All(OperatorPermissions.All, p => Assert.False(string.IsNullOrWhiteSpace(p.CodePath) || string.IsNullOrWhiteSpace(p.ObservedBy), p.Key));
    }

    [Fact]
    public void The_chart_readme_lists_every_permission_with_its_code_path()
    {
        var path = Path.Combine(HelmChart.ChartDirectory, "README.md");
        const string start = "<!-- rbac-table:start (generated from tests/Packaging.Tests/OperatorPermissions.cs) -->";
        const string end = "<!-- rbac-table:end -->";
        var text = File.ReadAllText(path);
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"{path} lacks the {start} … {end} markers");
        var current = text[(from + start.Length)..to];
        var expected = "\n" + Table() + "\n";
        if (Environment.GetEnvironmentVariable("LLMKUBE_UPDATE_PACKAGING") == "1")
        {
            File.WriteAllText(path, text[..(from + start.Length)] + expected + text[to..]);
            return;
        }

        Assert.True(current == expected,
            $"The RBAC table in {path} is stale: refresh with `LLMKUBE_UPDATE_PACKAGING=1 dotnet test tests/Packaging.Tests --filter The_chart_readme`.\nExpected:{expected}");
    }

    public static string Table()
    {
        var sb = new StringBuilder();
        sb.Append("| API group | Resource | Verb | Granted by | Needed by (code path) | Observed in the RBAC-bound e2e run |\n");
        sb.Append("|---|---|---|---|---|---|\n");
        foreach (var p in OperatorPermissions.All)
        {
            var where = p.Scope switch
            {
                PermissionScope.Cluster => "ClusterRole",
                PermissionScope.LeaderElection => $"leader-election Role (release namespace), resourceNames [{p.ResourceName ?? "any: create cannot be limited by name"}]",
                PermissionScope.OperatorConfig => $"operator-config Role (release namespace), resourceNames [{p.ResourceName ?? "any: create cannot be limited by name"}]",
                _ => "ClusterRole (Role in `watchNamespace` when set)",
            };
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"| `{(p.Group.Length == 0 ? "\"\"" : p.Group)}` | `{p.Resource}` | {p.Verb} | {where} | {p.CodePath} | {p.ObservedBy} |\n");
        }

        return sb.ToString().TrimEnd('\n');
    }

    private static void AssertGrants(SortedSet<string> expected, JsonObject role, string what)
    {
        var granted = Rendered.Grants(role);
        var extra = granted.Except(expected).ToList();
        var missing = expected.Except(granted).ToList();
        Assert.True(extra.Count == 0 && missing.Count == 0,
            $"{what}: grants the operator never uses: [{Rendered.Describe(extra)}]; missing grants the operator needs: [{Rendered.Describe(missing)}]");
    }

    /// <summary>The operator's Role for its published configuration, and everyone's right to read that one ConfigMap.</summary>
    private static void AssertOperatorConfig(List<JsonObject> objects, string what)
    {
        AssertGrants(Expected(PermissionScope.OperatorConfig), objects.OfKind("Role", "llmkube-operator-config").Single(), $"operator-config Role of {what}");
        AssertBinding(objects.OfKind("RoleBinding", "llmkube-operator-config").Single(), "Role", "llmkube-operator-config");
        Assert.Equal([$"core configmaps get [{OperatorPermissions.ConfigMapName}]"], Rendered.Grants(objects.OfKind("Role", "llmkube-operator-config-reader").Single()));
        var reader = objects.OfKind("RoleBinding", "llmkube-operator-config-reader").Single();
        Assert.Equal(("Role", "llmkube-operator-config-reader"), ((string?)reader["roleRef"]!["kind"], (string?)reader["roleRef"]!["name"]));
        var everyone = Assert.Single(reader["subjects"]!.AsArray())!;
        Assert.Equal(("Group", "system:authenticated"), ((string?)everyone["kind"], (string?)everyone["name"]));
    }

    private static void AssertBinding(JsonObject binding, string roleKind, string roleName)
    {
        Assert.Equal((roleKind, roleName), ((string?)binding["roleRef"]!["kind"], (string?)binding["roleRef"]!["name"]));
        var subject = Assert.Single(binding["subjects"]!.AsArray())!;
        Assert.Equal(("ServiceAccount", Sa, HelmChart.ReleaseNamespace), ((string?)subject["kind"], (string?)subject["name"], (string?)subject["namespace"]));
    }
}

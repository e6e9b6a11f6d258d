using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;

namespace LlmKube.Sandbox.Tests;

/// <summary>
/// The authentication and authorisation boundary under RBAC enforcement, played as an attacker would: no token,
/// someone else's identity in impersonation headers, a discovery probe. Each answer is the real API server's.
/// </summary>
public sealed class RbacBoundaryTests
{
    private const string Roles = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: configmap-reader}
        rules:
          - apiGroups: [""]
            resources: [configmaps]
            verbs: [get, list]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: alice-reads-configmaps}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: configmap-reader}
        subjects: [{kind: User, name: alice}, {kind: User, name: bob}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: secret-reader}
        rules:
          - apiGroups: [""]
            resources: [secrets]
            verbs: [get, list]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: alice-reads-secrets}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
        subjects: [{kind: User, name: alice}]
        """;

    [Fact]
    public async Task A_request_without_a_token_is_system_anonymous_and_forbidden()
    {
        await using var sandbox = await EnforcingSandboxAsync();
        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };

        var secrets = await http.GetAsync(new Uri("/api/v1/namespaces/default/secrets", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, secrets.StatusCode);
        Assert.Equal(
            "secrets is forbidden: User \"system:anonymous\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"",
            StatusMessage(await secrets.Content.ReadAsStringAsync()));

        // Discovery is for authenticated users only (system:discovery); version and health are public (system:public-info-viewer).
        var discovery = await http.GetAsync(new Uri("/api", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, discovery.StatusCode);
        Assert.Equal("forbidden: User \"system:anonymous\" cannot get path \"/api\"", StatusMessage(await discovery.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/version", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsync(
            new Uri("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", UriKind.Relative),
            new StringContent("""{"spec":{"resourceAttributes":{"verb":"list","resource":"secrets"}}}"""))).StatusCode);
        Assert.Equal(2, sandbox.Control.GetRequestCounts().Count(user: "system:anonymous", code: 403));
    }

    [Fact]
    public async Task A_user_kubeconfig_pointed_at_the_plain_http_port_does_not_read_secrets()
    {
        await using var sandbox = await EnforcingSandboxAsync();
        var secure = sandbox.Server.SecureBaseAddress!.ToString().TrimEnd('/');
        var plain = sandbox.Server.BaseAddress.ToString().TrimEnd('/');
        var kubeconfig = Path.Combine(sandbox.Directory, "alice-plain.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, sandbox.Server.KubeconfigYaml("alice").Replace(secure, plain, StringComparison.Ordinal));
        var kubectl = new Kubectl(kubeconfig, Path.Combine(sandbox.Directory, "home-plain"));

        // kubectl sends no credentials over plain HTTP, so its requests are anonymous: never the admin. Discovery is
        // forbidden to anonymous (kubectl then reports "Forbidden: unknown", as against a real server); a raw GET shows
        // who the server took the caller for.
        Assert.Contains("Forbidden", (await kubectl.RunAsync("get", "secrets", "-n", "default")).Fails().Error, StringComparison.Ordinal);
        var raw = await kubectl.RunAsync("get", "--raw", "/api/v1/namespaces/default/secrets");
        Assert.Contains(
            "secrets is forbidden: User \"system:anonymous\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"",
            raw.Fails().Error,
            StringComparison.Ordinal);
        Assert.DoesNotContain("db-password", raw.Output, StringComparison.Ordinal);
        Assert.Contains("db-password", (await sandbox.KubectlFor("alice").RunAsync("get", "secrets", "-n", "default")).Ok().Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_is_allowed_exactly_what_a_binding_grants_it()
    {
        await using var sandbox = await EnforcingSandboxAsync("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: anonymous-reads-configmaps}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: configmap-reader}
            subjects: [{kind: Group, name: "system:unauthenticated", apiGroup: rbac.authorization.k8s.io}]
            """);
        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps/settings", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(new Uri("/api/v1/namespaces/default/secrets/db-password", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.DeleteAsync(new Uri("/api/v1/namespaces/default/configmaps/settings", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Impersonation_without_the_impersonate_verb_is_forbidden()
    {
        await using var sandbox = await EnforcingSandboxAsync();
        var alice = sandbox.KubectlFor("alice");
        (await alice.RunAsync("get", "configmaps")).Ok(); // discovery cached: with it forbidden, kubectl would only say "unknown"

        var asAdmin = (await alice.RunAsync("--as", "sandbox:admin", "get", "namespaces")).Fails().Error;
        Assert.Contains(
            "users \"sandbox:admin\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            asAdmin,
            StringComparison.Ordinal);
        var asHerself = (await alice.RunAsync("--as", "alice", "--as-group", "system:masters", "get", "namespaces")).Fails().Error;
        Assert.Contains("users \"alice\" is forbidden: User \"alice\" cannot impersonate resource \"users\"", asHerself, StringComparison.Ordinal);
        var asServiceAccount = (await alice.RunAsync("--as", "system:serviceaccount:kube-system:default", "get", "namespaces")).Fails().Error;
        Assert.Contains(
            "serviceaccounts \"default\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"kube-system\"",
            asServiceAccount,
            StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_python_client_gets_403_for_impersonation_without_the_verb()
    {
        PythonClient.SkipUnlessAvailable();
        await using var sandbox = await EnforcingSandboxAsync();
        var result = await PythonClient.RunAsync(sandbox.Server.WriteKubeconfig(Path.Combine(sandbox.Directory, "alice-py.kubeconfig"), "alice"), """
            api.set_default_header("Impersonate-User", "sandbox:admin")
            try:
                client.CoreV1Api(api).list_namespace()
                print(json.dumps({"status": 200}))
            except client.exceptions.ApiException as e:
                print(json.dumps({"status": e.status, "body": json.loads(e.body)}))
            """);
        Assert.Equal(403, (int)result["status"]!);
        Assert.Equal("Forbidden", (string?)result["body"]!["reason"]);
        Assert.Equal(
            "users \"sandbox:admin\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            (string?)result["body"]!["message"]);
    }

    [SkippableFact]
    public async Task Impersonation_with_the_verb_is_authorised_as_the_impersonated_identity()
    {
        PythonClient.SkipUnlessAvailable();
        await using var sandbox = await EnforcingSandboxAsync("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: impersonate-bob}
            rules:
              - apiGroups: [""]
                resources: [users]
                resourceNames: [bob]
                verbs: [impersonate]
              - apiGroups: [""]
                resources: [groups]
                resourceNames: [auditors]
                verbs: [impersonate]
              - apiGroups: [authentication.k8s.io]
                resources: [uids]
                resourceNames: [u-42]
                verbs: [impersonate]
              - apiGroups: [authentication.k8s.io]
                resources: [userextras/scopes]
                verbs: [impersonate]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: carol-impersonates-bob}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-bob}
            subjects: [{kind: User, name: carol}]
            """);
        var carol = sandbox.KubectlFor("carol");
        (await carol.RunAsync("--as", "bob", "get", "configmaps")).Ok(); // warms kubectl's discovery cache

        Assert.Contains("settings", (await carol.RunAsync("--as", "bob", "get", "configmaps")).Ok().Output, StringComparison.Ordinal);
        var bobsLimits = (await carol.RunAsync("--as", "bob", "get", "secrets")).Fails().Error;
        Assert.Contains("User \"bob\" cannot list resource \"secrets\"", bobsLimits, StringComparison.Ordinal);
        var notBob = (await carol.RunAsync("--as", "alice", "get", "secrets")).Fails().Error;
        Assert.Contains("users \"alice\" is forbidden: User \"carol\" cannot impersonate resource \"users\"", notBob, StringComparison.Ordinal);
        var asMasters = (await carol.RunAsync("--as", "bob", "--as-group", "system:masters", "get", "secrets")).Fails().Error;
        Assert.Contains(
            "groups \"system:masters\" is forbidden: User \"carol\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope",
            asMasters,
            StringComparison.Ordinal);

        var otherUid = (await carol.RunAsync("--as", "bob", "--as-uid", "1234", "get", "configmaps")).Fails().Error;
        Assert.Contains(
            "uids.authentication.k8s.io \"1234\" is forbidden: User \"carol\" cannot impersonate resource \"uids\" in API group \"authentication.k8s.io\" at the cluster scope",
            otherUid,
            StringComparison.Ordinal);

        var whoami = (await carol.RunAsync("--as", "bob", "--as-group", "auditors", "--as-uid", "u-42", "auth", "whoami", "-o", "json")).Ok().Output;
        var userInfo = JsonNode.Parse(whoami)!["status"]!["userInfo"]!;
        Assert.Equal("bob", (string?)userInfo["username"]);
        Assert.Equal("u-42", (string?)userInfo["uid"]);
        Assert.Equal(["auditors", "system:authenticated"], userInfo["groups"]!.AsArray().Select(g => (string)g!).ToArray());
        Assert.Equal(1, sandbox.Control.GetRequestCounts().Count(user: "bob", resource: "secrets", code: 403));

        var python = await PythonClient.RunAsync(sandbox.Server.WriteKubeconfig(Path.Combine(sandbox.Directory, "carol-py.kubeconfig"), "carol"), """
            api.set_default_header("Impersonate-User", "bob")
            api.set_default_header("Impersonate-Extra-Scopes", "view")
            names = [c.metadata.name for c in client.CoreV1Api(api).list_namespaced_config_map("default").items]
            # python3-kubernetes 22.6 predates SelfSubjectReview (Kubernetes 1.28): call it through the client's own transport.
            review = api.call_api("/apis/authentication.k8s.io/v1/selfsubjectreviews", "POST",
                body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
                header_params={"Content-Type": "application/json", "Accept": "application/json"},
                response_type="object", auth_settings=["BearerToken"], _return_http_data_only=True)
            info = review["status"]["userInfo"]
            print(json.dumps({"names": names, "user": info["username"], "extra": info["extra"]}))
            """);
        Assert.Equal("settings", (string?)python["names"]![0]);
        Assert.Equal("bob", (string?)python["user"]);
        Assert.Equal("view", (string?)python["extra"]!["scopes"]![0]);
    }

    [Fact]
    public async Task Auth_whoami_names_the_caller()
    {
        await using var sandbox = await EnforcingSandboxAsync();
        var output = (await sandbox.KubectlFor("system:serviceaccount:llmkube-system:llmkube").RunAsync("auth", "whoami")).Ok().Output;
        Assert.Contains("system:serviceaccount:llmkube-system:llmkube", output, StringComparison.Ordinal);
        Assert.Contains("[system:authenticated system:serviceaccounts system:serviceaccounts:llmkube-system]", output, StringComparison.Ordinal);
        var admin = (await sandbox.Kubectl.RunAsync("auth", "whoami", "-o", "json")).Ok().Output;
        Assert.Equal("sandbox:admin", (string?)JsonNode.Parse(admin)!["status"]!["userInfo"]!["username"]);
    }

    private static async Task<TestSandbox> EnforcingSandboxAsync(string extraRoles = "")
    {
        var sandbox = await TestSandbox.StartAsync(new SandboxOptions { Rbac = new RbacOptions { Enforce = true } });
        (await sandbox.Kubectl.RunWithInputAsync(extraRoles.Length == 0 ? Roles : Roles + "\n---\n" + extraRoles, "apply", "-f", "-")).Ok();
        await sandbox.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "db-password" }, StringData = new Dictionary<string, string> { ["password"] = "hunter2" } }, "default");
        await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" } }, "default");
        return sandbox;
    }

    private static string? StatusMessage(string body) => (string?)JsonNode.Parse(body)!["message"];
}

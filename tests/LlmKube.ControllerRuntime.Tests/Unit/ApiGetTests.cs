using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class ApiGetTests
{
    [Theory]
    [InlineData("", "v1", "configmaps", true, "team a", null, "api/v1/namespaces/team%20a/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=7&timeoutSeconds=300")]
    [InlineData("", "v1", "configmaps", true, null, "app in (x,y)", "api/v1/configmaps?watch=true&allowWatchBookmarks=true&labelSelector=app%20in%20%28x%2Cy%29&resourceVersion=7&timeoutSeconds=300")]
    [InlineData("apps", "v1", "deployments", true, "ns", null, "apis/apps/v1/namespaces/ns/deployments?watch=true&allowWatchBookmarks=true&resourceVersion=7&timeoutSeconds=300")]
    [InlineData("", "v1", "persistentvolumes", false, "ns", null, "api/v1/persistentvolumes?watch=true&allowWatchBookmarks=true&resourceVersion=7&timeoutSeconds=300")]
    public void A_watch_path_names_the_group_the_namespace_and_every_option_escaped(
        string group, string version, string plural, bool namespaced, string? ns, string? labels, string expected)
    {
        var resource = new ApiResource(group, version, plural, "Kind", namespaced);
        Assert.Equal(expected, ApiGet.WatchPathAndQuery(resource, new WatchRequest(ns, "7", labels, TimeoutSeconds: 300)));
    }

    [Theory]
    [InlineData("", "v1", "configmaps", true, "team a", null, null, null, "api/v1/namespaces/team%20a/configmaps")]
    [InlineData("", "v1", "configmaps", true, null, "app in (x,y)", 500, "a b/c=", "api/v1/configmaps?continue=a%20b%2Fc%3D&labelSelector=app%20in%20%28x%2Cy%29&limit=500")]
    [InlineData("apps", "v1", "deployments", true, "ns", null, 1, null, "apis/apps/v1/namespaces/ns/deployments?limit=1")]
    [InlineData("", "v1", "persistentvolumes", false, "ns", null, null, null, "api/v1/persistentvolumes")]
    public void A_list_path_names_the_group_the_namespace_and_every_option_escaped(
        string group, string version, string plural, bool namespaced, string? ns, string? labels, int? limit, string? continueToken, string expected)
    {
        var resource = new ApiResource(group, version, plural, "Kind", namespaced);
        Assert.Equal(expected, ApiGet.ListPathAndQuery(resource, new ListRequest(ns, labels, Limit: limit, Continue: continueToken)));
    }
}

using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class ReconcileResultTests
{
    [Fact]
    public void Factories_produce_the_expected_outcomes()
    {
        Assert.Equal(ReconcileOutcome.Done, ReconcileResult.Done.Outcome);
        Assert.Equal(ReconcileOutcome.Requeue, ReconcileResult.Requeue.Outcome);
        var after = ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30));
        Assert.Equal(ReconcileOutcome.RequeueAfter, after.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(30), after.After);
        Assert.Equal(ReconcileOutcome.Requeue, ReconcileResult.RequeueAfter(TimeSpan.Zero).Outcome);
        var err = ReconcileResult.Error(new InvalidOperationException("boom"));
        Assert.True(err.IsError);
        Assert.Equal("boom", err.Message);
        Assert.Equal(ReconcileOutcome.TransientError, ReconcileResult.Error("x").Outcome);
        Assert.Equal("TransientError(x)", ReconcileResult.Error("x").ToString());
        Assert.False(ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(1)).IsError);
    }

    public static TheoryData<string, string, string> MinCases() => new()
    {
        { "done", "done", "done" },
        { "done", "after30", "after30" },
        { "after10", "after30", "after10" },
        { "after30", "requeue", "requeue" },
        { "requeue", "error", "error" },
        { "error", "after10", "error" },
    };

    [Theory]
    [MemberData(nameof(MinCases))]
    public void Min_prefers_errors_then_the_earliest_retry(string a, string b, string expected)
    {
        static ReconcileResult Of(string s) => s switch
        {
            "done" => ReconcileResult.Done,
            "after10" => ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(10)),
            "after30" => ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)),
            "requeue" => ReconcileResult.Requeue,
            _ => ReconcileResult.Error("e"),
        };
        Assert.Equal(Of(expected).ToString(), ReconcileResult.Min(Of(a), Of(b)).ToString());
        Assert.Equal(Of(expected).ToString(), ReconcileResult.Min(Of(b), Of(a)).ToString());
    }

    [Theory]
    [InlineData("GET", "http://h/api/v1/namespaces/ns/pods", "list", "pods")]
    [InlineData("GET", "http://h/api/v1/namespaces/ns/pods?watch=true&resourceVersion=5", "watch", "pods")]
    [InlineData("GET", "http://h/api/v1/namespaces/ns/pods/p1", "get", "pods")]
    [InlineData("PATCH", "http://h/apis/inference.llmkube.dev/v1alpha1/namespaces/ns/inferenceservices/a/status", "patch", "inferenceservices/status")]
    [InlineData("POST", "http://h/api/v1/namespaces/ns/events", "create", "events")]
    [InlineData("PUT", "http://h/apis/coordination.k8s.io/v1/namespaces/ns/leases/l", "update", "leases")]
    [InlineData("GET", "http://h/apis/apps/v1/deployments?limit=500", "list", "deployments")]
    [InlineData("GET", "http://h/api/v1/persistentvolumes/pv1", "get", "persistentvolumes")]
    [InlineData("DELETE", "http://h/api/v1/namespaces/ns", "delete", "namespaces")]
    public void Api_requests_are_classified_by_verb_and_resource(string method, string url, string verb, string resource)
    {
        var (v, r) = ApiRequestMetricsHandler.Classify(new HttpMethod(method), new Uri(url));
        Assert.Equal(verb, v);
        Assert.Equal(resource, r);
    }
}

using k8s;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary>
/// The sandbox runs no containers and says so through the API as a cluster without a usable node would: a Job's pod
/// stays Pending and Unschedulable with a FailedScheduling event, unless a Node it may run on is registered.
/// </summary>
public sealed class SimulatedJobsTests
{
    private static readonly SandboxOptions JobsSimulated = new() { Simulation = new SimulationOptions { Jobs = true, Delay = TimeSpan.FromMilliseconds(10) } };

    [Fact]
    public async Task Without_a_node_a_jobs_pod_is_unschedulable_with_a_failed_scheduling_event()
    {
        await using var sandbox = await TestSandbox.StartAsync(JobsSimulated);
        var job = await sandbox.Client.BatchV1.CreateNamespacedJobAsync(Job("read"), "default");

        var pod = await PodOfAsync(sandbox.Client, job);
        var events = await Eventually.ThatAsync(
            () => sandbox.Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={pod.Metadata.Name}"), list => list.Items.Count > 0, "the scheduler's event");

        var scheduled = Assert.Single(pod.Status.Conditions, c => c.Type == "PodScheduled");
        Assert.Equal(("False", "Unschedulable", "Pending"), (scheduled.Status, scheduled.Reason, pod.Status.Phase));
        Assert.Contains("llmkube's sandbox, which runs no pods", scheduled.Message, StringComparison.Ordinal);
        Assert.Null(pod.Spec.NodeName);
        Assert.Equal(job.Metadata.Uid, Assert.Single(pod.Metadata.OwnerReferences).Uid);
        var scheduling = Assert.Single(events.Items);
        Assert.Equal(("Warning", "FailedScheduling", scheduled.Message), (scheduling.Type, scheduling.Reason, scheduling.Message));
    }

    [Fact]
    public async Task A_registered_node_gets_the_pod_unless_the_job_is_pinned_elsewhere()
    {
        await using var sandbox = await TestSandbox.StartAsync(JobsSimulated);
        await sandbox.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node-a" } });
        var free = await sandbox.Client.BatchV1.CreateNamespacedJobAsync(Job("free"), "default");
        var pinned = await sandbox.Client.BatchV1.CreateNamespacedJobAsync(Job("pinned", pinTo: "node-b"), "default");

        var bound = await PodOfAsync(sandbox.Client, free);
        var stuck = await PodOfAsync(sandbox.Client, pinned);

        Assert.Equal("node-a", bound.Spec.NodeName);
        Assert.Equal("True", Assert.Single(bound.Status.Conditions, c => c.Type == "PodScheduled").Status);
        Assert.Null(stuck.Spec.NodeName);
        Assert.Equal("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.", Assert.Single(stuck.Status.Conditions, c => c.Type == "PodScheduled").Message);
        Assert.Single((await sandbox.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"batch.kubernetes.io/controller-uid={free.Metadata.Uid}")).Items);
    }

    private static async Task<V1Pod> PodOfAsync(IKubernetes client, V1Job job) =>
        (await Eventually.ThatAsync(
            () => client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"batch.kubernetes.io/controller-uid={job.Metadata.Uid}"),
            pods => pods.Items.Count == 1,
            $"the pod of Job {job.Metadata.Name}")).Items.Single();

    private static V1Job Job(string name, string? pinTo = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1JobSpec
        {
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = "Never",
                    Containers = [new V1Container { Name = "main", Image = "busybox" }],
                    Affinity = pinTo is null ? null : new V1Affinity
                    {
                        NodeAffinity = new V1NodeAffinity
                        {
                            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                            {
                                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [pinTo] }] }],
                            },
                        },
                    },
                },
            },
        },
    };
}

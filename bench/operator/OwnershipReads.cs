using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.Bench.Operator;

/// <summary>
/// What the ownership check's read of a free name costs (src/LlmKube.Operator.Runtime/Controllers/ChildOwnership.cs):
/// a GET answered 404, which KubernetesClient throws as an exception, against a list by name answered with an empty
/// list. Both against the same sandbox, in alternating rounds, with the operator's identity and 4 reads in flight (its
/// worker count); the CPU is this process's, so it holds the client's and the sandbox's share, as on the bench's two
/// cores. Usage: <c>OperatorBench.dll reads [reads per round=2000] [rounds=5]</c>.
/// </summary>
internal static class OwnershipReads
{
    public static async Task RunAsync(int reads, int rounds)
    {
        var workload = new Workload(reads, 20);
        await using var sandbox = await BenchSandbox.StartAsync(workload);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sandbox.OperatorKubeconfig));
        var names = workload.ServiceKeys.ToList();
        var methods = new (string Name, Func<string, string, Task<object?>> Read)[]
        {
            ("GET, 404", async (ns, name) => await NotFound.OrNullAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns))),
            ("list by name, empty", async (ns, name) => (await client.AppsV1.ListNamespacedDeploymentAsync(ns, fieldSelector: $"metadata.name={name}")).Items.SingleOrDefault()),
        };
        foreach (var (_, read) in methods)
        {
            await ReadAllAsync(names.Take(200).ToList(), read); // JIT warm-up, unrecorded
        }

        Console.WriteLine($"| round | method | wall s | CPU s (client + sandbox) | CPU µs per read |");
        Console.WriteLine("|---|---|---|---|---|");
        var perRead = methods.ToDictionary(m => m.Name, _ => new List<double>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, read) in methods)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                await ReadAllAsync(names, read);
                var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                perRead[name].Add(used.TotalMicroseconds / reads);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {name} | {wall.Elapsed.TotalSeconds:F2} | {used.TotalSeconds:F2} | {used.TotalMicroseconds / reads:F0} |"));
            }
        }

        Console.WriteLine();
        foreach (var (name, values) in perRead)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median CPU per read, {name}: {values.Order().ElementAt(values.Count / 2):F0} µs"));
        }
    }

    private static async Task ReadAllAsync(List<(string Namespace, string Name)> names, Func<string, string, Task<object?>> read)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < names.Count; i = Interlocked.Increment(ref next))
            {
                if (await read(names[i].Namespace, names[i].Name) is not null)
                {
                    throw new InvalidOperationException($"{names[i]} should not exist");
                }
            }
        }));
    }
}

using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using LlmKube.Api.Schema;
using LlmKube.Bench.Operator;
using LlmKube.Operator.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Sandbox;

// Usage: dotnet run -c Release --project bench/operator -- [services=1000] [namespaces=20] [operatorDll]
var services = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var namespaces = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var operatorDll = args.Length > 2 ? args[2] : Path.Combine(AppContext.BaseDirectory, "llmkube-operator.dll");
var workload = new Workload(services, namespaces);
Console.WriteLine($"# operator benchmark: {services} InferenceServices (+ {services} Models) in {namespaces} namespaces, {Environment.ProcessorCount} CPUs");

// (a) the baseline: a bare KubernetesClient loop creating the same claims, Deployments and Services.
var bare = await BareLoop.RunAsync(workload);
Console.WriteLine($"bare client loop: {bare.TotalSeconds:F2} s");

// (b) the operator binary, from apply to every Deployment correct.
await using var server = await SandboxServer.StartAsync(new SandboxOptions());
var work = Directory.CreateTempSubdirectory("llmkube-bench-");
var adminConfig = server.WriteKubeconfig(Path.Combine(work.FullName, "admin.kubeconfig"));
var operatorConfig = server.WriteKubeconfig(Path.Combine(work.FullName, "operator.kubeconfig"), BenchOperator.User);
using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(adminConfig));
foreach (var crd in CrdDefinitions.All())
{
    await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
}

await workload.CreateNamespacesAsync(client);
await using (var op = await BenchOperator.StartAsync(operatorDll, operatorConfig))
{
    server.Control.ResetRequestCounts();
    var applyStarted = Stopwatch.StartNew();
    await workload.CreateCustomResourcesAsync(client, parallelism: 8);
    var applied = applyStarted.Elapsed;
    await Convergence.WaitAllCorrectAsync(client, workload, TimeSpan.FromMinutes(10));
    var converged = applyStarted.Elapsed;
    var counts = server.Control.GetRequestCounts();
    var operatorRequests = counts.Entries.Where(e => e.User == BenchOperator.User).ToList();
    var writes = operatorRequests.Where(e => e.IsWrite).Sum(e => e.Count);
    var total = operatorRequests.Where(e => e.Verb != "watch").Sum(e => e.Count);
    var rss = op.PeakRssMiB();
    Console.WriteLine($"applied {services * 2} custom resources in {applied.TotalSeconds:F2} s; all Deployments correct {converged.TotalSeconds:F2} s after the first apply");
    Console.WriteLine($"operator API requests: {total} ({(double)total / services:F2} per service), of which writes {writes} ({(double)writes / services:F2} per service)");
    foreach (var group in operatorRequests.GroupBy(e => $"{e.Verb} {e.Resource}{(string.IsNullOrEmpty(e.Subresource) ? "" : "/" + e.Subresource)}").OrderBy(g => g.Key, StringComparer.Ordinal))
    {
        Console.WriteLine($"  {group.Key}: {group.Sum(e => e.Count)}");
    }

    Console.WriteLine($"operator peak RSS during convergence: {rss:F0} MiB");
    Console.WriteLine($"ratio operator / bare loop: {converged.TotalSeconds / bare.TotalSeconds:F2}x");
}

// (c) start-up to ready with every object present (cold process start included).
var startup = Stopwatch.StartNew();
await using (var again = await BenchOperator.StartAsync(operatorDll, operatorConfig))
{
    Console.WriteLine($"operator start-up to /readyz with {services * 2} custom resources and their children: {startup.Elapsed.TotalSeconds:F2} s; peak RSS after sync {again.PeakRssMiB():F0} MiB");
}

work.Delete(recursive: true);

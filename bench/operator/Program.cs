using System.Globalization;
using LlmKube.Bench.Operator;

// Usage: dotnet run -c Release --project bench/operator -- [sizes=1000] [namespaces=20]
//   sizes: comma-separated service counts, e.g. 500,1000,2000,5000
var sizes = (args.Length > 0 ? args[0] : "1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
var namespaces = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
// LLMKUBE_BENCH_OPERATOR points at another build, e.g. the ReadyToRun publish the image ships.
var operatorDll = Environment.GetEnvironmentVariable("LLMKUBE_BENCH_OPERATOR") ?? LlmKube.Tests.Shared.BuiltExecutables.OperatorDll;
Console.WriteLine($"# operator benchmark, {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start");
Console.WriteLine();
Console.WriteLine("| services | namespaces | bare loop s | operator s | ratio | API requests/service | writes/service | peak RSS MiB | start-up to ready s | reconcile p50 ms | reconcile p99 ms |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
foreach (var size in sizes)
{
    var result = await BenchRun.RunAsync(new Workload(size, namespaces), operatorDll);
    Console.WriteLine(result.ToMarkdownRow());
}

Console.WriteLine();
Console.WriteLine($"load average at end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

using System.Globalization;
using LlmKube.Bench.Operator;

// Usage: dotnet bench/operator/bin/Release/net10.0/OperatorBench.dll [sizes=1000] [namespaces=20] [pairs=1]
//   sizes: comma-separated service counts, e.g. 500,1000,2000,5000
//   pairs: bare loop and operator runs alternate this many times per size (bare, operator, bare, operator, …)
var sizes = (args.Length > 0 ? args[0] : "1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
var namespaces = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var pairCount = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
// LLMKUBE_BENCH_OPERATOR points at another build, e.g. the ReadyToRun publish the image ships.
var operatorDll = Environment.GetEnvironmentVariable("LLMKUBE_BENCH_OPERATOR") ?? LlmKube.Tests.Shared.BuiltExecutables.OperatorDll;
Console.WriteLine($"# operator benchmark, {Environment.ProcessorCount} CPUs, load average {LoadAverage()} at start, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
// One unrecorded bare run first: the bench process's own JIT warm-up (a first bare loop took 2x its later runs on a quiet
// machine) must not count against either side; the bare loop always runs first in a pair, so it would favour the operator.
Console.Error.WriteLine($"warm-up: one unrecorded bare loop of {Math.Min(sizes[0], 500)} services");
await BareLoop.RunAsync(new Workload(Math.Min(sizes[0], 500), Math.Min(namespaces, 10)));
var summary = new List<string>();
foreach (var size in sizes)
{
    var workload = new Workload(size, namespaces);
    Console.WriteLine();
    Console.WriteLine($"## {size} services in {namespaces} namespaces");
    Console.WriteLine();
    var pairs = new List<BenchPair>();
    for (var i = 1; i <= pairCount; i++)
    {
        var load = LoadAverage();
        Console.Error.WriteLine($"{size}/{namespaces} pair {i}: bare loop (load {load})");
        var bare = await BareLoop.RunAsync(workload);
        Console.Error.WriteLine($"{size}/{namespaces} pair {i}: operator (load {LoadAverage()})");
        var op = await OperatorRun.RunAsync(workload, operatorDll);
        pairs.Add(new BenchPair(i, load, bare, op));
        Console.Error.WriteLine(Report.PairRow(pairs[^1], size));
    }

    Console.WriteLine(Report.PairHeader);
    foreach (var pair in pairs)
    {
        Console.WriteLine(Report.PairRow(pair, size));
    }

    Console.WriteLine(Report.MedianRow(pairs, size));
    foreach (var pair in pairs)
    {
        Console.WriteLine();
        Console.WriteLine(Report.RequestTable(pair));
    }

    summary.Add(Report.SummaryRow(workload, pairs));
}

Console.WriteLine();
Console.WriteLine("## medians");
Console.WriteLine();
Console.WriteLine(Report.SummaryHeader);
summary.ForEach(Console.WriteLine);
Console.WriteLine();
Console.WriteLine($"load average at end {LoadAverage()}");

static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

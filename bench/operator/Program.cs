using System.Globalization;
using LlmKube.Bench.Operator;

// Usage: dotnet bench/operator/bin/Release/net10.0/OperatorBench.dll [sizes=1000] [namespaces=20] [pairs=1]
//   sizes: comma-separated service counts, e.g. 500,1000,2000,5000
//   pairs: bare loop and operator runs alternate this many times per size (bare, operator, bare, operator, …)
//        dotnet bench/operator/bin/Release/net10.0/OperatorBench.dll reads [reads=2000] [rounds=5]   (OwnershipReads.cs)
//        dotnet bench/operator/bin/Release/net10.0/OperatorBench.dll intake [services=1000] [rounds=25]   (ChildIntake.cs)
if (args is ["intake", ..])
{
    ChildIntake.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 25);
    return;
}

if (args is ["reads", ..])
{
    await OwnershipReads.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return;
}

var sizes = (args.Length > 0 ? args[0] : "1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
var namespaces = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var pairCount = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
// LLMKUBE_BENCH_OPERATOR points at another build, e.g. the ReadyToRun publish the image ships (its .dll), or an executable.
var operatorBuild = Environment.GetEnvironmentVariable("LLMKUBE_BENCH_OPERATOR") ?? LlmKube.Tests.Shared.BuiltExecutables.OperatorDll;
var learning = (BareLoop.Learning == LearnsOfPairs.ByWatch ? "by watch" : "in process (LLMKUBE_BENCH_BARE_LEARNS=inprocess)")
    + (BareLoop.WatchesChildren ? " and keeps its children from watches (LLMKUBE_BENCH_BARE_WATCHES_CHILDREN=1)" : "")
    + $", {BareLoop.Workers} reconciles in flight per kind"
    + (Workload.LongerWarmUp.Count is > 0 and var rounds ? $"; the operator warms up with {rounds} more rounds of 1,000 services (LLMKUBE_BENCH_OPERATOR_WARMUPS)" : "")
    + (BenchOperator.ExtraFlags is { Length: > 0 } flags ? $"; operator flags added: {string.Join(' ', flags)} (LLMKUBE_BENCH_OPERATOR_ARGS)" : "");
Console.WriteLine($"# operator benchmark, {Environment.ProcessorCount} CPUs, load average {LoadAverage()} at start, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, the bare loop learns of pairs {learning}");
// Unrecorded runs first: the bench process's own JIT warm-up must not count against either side; the bare loop
// always runs first in a pair, so it would favour the operator. One run of 500 was not enough (at 1,000/20 the bare
// loop still took 4.2-5.6 s in pair 1 against 1.9-2.4 s in pair 3), so three runs of the first size, up to 1,000.
// Nor were three: until session 13 pair 1's bare loop still took 2.5-3.1 s and 4.4-5.6 CPU-s against 1.7-2.1 s and
// 2.7-3.4 CPU-s in later pairs (ratio 0.78-0.92x in every output), and neither a pause of 3, 8 or 25 s nor a forced
// GC changed that. What later pairs have that pair 1 had not is an operator run before them, which runs bench code
// the bare loops do not (the sandbox serving the operator's lists and watches); one unrecorded operator run made
// pair 1 like the others (1.17-1.20x, README, session 13).
// Five, since session 14: the bench's per-namespace paths (a claim and an event per namespace, 20 a run) reach the
// runtime's second recompile (tier 1 after instrumented tier 0, 60 calls and more) only in the fifth or sixth run, so
// with three warm-ups pair 2's bare loop still compiled about 190 methods in its window (the pair rows' last column).
const int warmUpBareLoops = 5;
var warmUp = new Workload(Math.Min(sizes[0], 1000), namespaces);
for (var i = 1; i <= warmUpBareLoops; i++)
{
    var run = await BareLoop.RunAsync(warmUp);
    Console.Error.WriteLine($"warm-up {i}/{warmUpBareLoops + 1}: unrecorded bare loop of {warmUp.Services} services, {run.Seconds:F2} s, {run.BenchJitMethods} methods compiled in its window");
}

var warmOperator = await OperatorRun.RunAsync(warmUp, operatorBuild);
Console.Error.WriteLine($"warm-up {warmUpBareLoops + 1}/{warmUpBareLoops + 1}: unrecorded operator run of {warmUp.Services} services, {warmOperator.Window.Seconds:F2} s");

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
        var op = await OperatorRun.RunAsync(workload, operatorBuild);
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

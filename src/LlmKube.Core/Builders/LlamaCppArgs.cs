using System.Globalization;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Builders;

/// <summary>The llama.cpp server's arguments, in upstream's order: model and network, GPU, typed knobs, extraArgs, --metrics.</summary>
public static class LlamaCppArgs
{
    public const int AllLayers = 99;

    public static List<string> Build(ModelSpec model, InferenceServiceSpec service, CachePlan plan, GpuRequest gpu, int port)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(gpu);
        var extra = service.ExtraArgs ?? [];
        var args = new List<string>();
        if (plan.ModelPath.Length > 0)
        {
            args.AddRange(["--model", plan.ModelPath]);
        }

        args.AddRange(["--port", Number(port)]);
        if (!Has(extra, "--host"))
        {
            args.AddRange(["--host", service.BindAddress is { Length: > 0 } host ? host : "::"]);
        }

        AddGpu(args, model.Hardware?.Gpu, gpu);
        AddTuning(args, service, gpu, extra);
        if (model.Mmproj is { Length: > 0 } mmproj && plan.EntryDirectory is { } directory)
        {
            args.AddRange(["--mmproj", $"{directory}/{mmproj}"]);
        }

        foreach (var overrideKv in service.MetadataOverrides ?? [])
        {
            args.AddRange(["--override-kv", overrideKv]);
        }

        AddMode(args, service.Mode, extra);
        args.AddRange(extra);
        if (!Has(extra, "--metrics"))
        {
            args.Add("--metrics");
        }

        return args;
    }

    /// <summary>A flag counts as given when extraArgs holds it exactly or as <c>--flag=value</c>.</summary>
    public static bool Has(IEnumerable<string> args, string flag) =>
        args.Any(a => a == flag || a.StartsWith(flag + "=", StringComparison.Ordinal));

    private static void AddGpu(List<string> args, GpuSpec? spec, GpuRequest gpu)
    {
        if (!gpu.Any)
        {
            return;
        }

        var layers = spec?.Layers is { } l && l >= 0 ? l : AllLayers;
        args.AddRange(["--n-gpu-layers", Number(layers)]);
        if (gpu.Count <= 1)
        {
            return;
        }

        var splitMode = spec?.Sharding?.Strategy switch
        {
            ShardingStrategies.Tensor or ShardingStrategies.Row => "row",
            ShardingStrategies.None => "none",
            _ => "layer",
        };
        args.AddRange(["--split-mode", splitMode]);
        if (splitMode != "none")
        {
            args.AddRange(["--tensor-split", TensorSplit(spec?.Sharding?.LayerSplit, gpu.Count)]);
        }
    }

    /// <summary>Ratios from layer ranges ("0-19","20-39" → "1,1"), reduced by their GCD; equal shares otherwise.</summary>
    public static string TensorSplit(IList<string>? layerSplit, int gpuCount)
    {
        var sizes = (layerSplit ?? [])
            .Select(range => range.Split('-'))
            .Where(parts => parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out _) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out _))
            .Select(parts => int.Parse(parts[1], CultureInfo.InvariantCulture) - int.Parse(parts[0], CultureInfo.InvariantCulture) + 1)
            .ToList();
        if (sizes.Count != gpuCount || sizes.Any(s => s <= 0))
        {
            return string.Join(',', Enumerable.Repeat("1", gpuCount));
        }

        var gcd = sizes.Aggregate(Gcd);
        return string.Join(',', sizes.Select(s => Number(s / gcd)));
    }

    private static void AddTuning(List<string> args, InferenceServiceSpec service, GpuRequest gpu, IList<string> extra)
    {
        AddValue(args, "--ctx-size", service.ContextSize);
        if (service.RopeScaling is { } rope)
        {
            args.AddRange(["--rope-scaling", rope.Type]);
            if (rope.Factor is { Length: > 0 } factor)
            {
                args.AddRange(["--rope-scale", factor]);
            }

            AddValue(args, "--yarn-orig-ctx", rope.OriginalContext);
        }

        if (!Has(extra, "--parallel"))
        {
            AddValue(args, "--parallel", service.ParallelSlots);
        }

        if (service.FlashAttention == true && gpu.Any)
        {
            args.AddRange(["--flash-attn", "on"]);
        }

        AddFlag(args, "--jinja", service.Jinja);
        AddValue(args, "--cache-type-k", service.CacheTypeCustomK is { Length: > 0 } k ? k : service.CacheTypeK);
        AddValue(args, "--cache-type-v", service.CacheTypeCustomV is { Length: > 0 } v ? v : service.CacheTypeV);
        AddFlag(args, "--cpu-moe", service.MoeCPUOffload);
        AddValue(args, "--n-cpu-moe", service.MoeCPULayers);
        AddFlag(args, "--no-kv-offload", service.NoKvOffload);
        foreach (var tensor in service.TensorOverrides ?? [])
        {
            args.AddRange(["--override-tensor", tensor]);
        }

        AddValue(args, "--batch-size", service.BatchSize);
        AddValue(args, "--ubatch-size", service.UBatchSize);
        AddFlag(args, "--no-warmup", service.NoWarmup);
        AddValue(args, "--reasoning-budget", service.ReasoningBudget);
        if (service.ReasoningBudget is not null)
        {
            AddValue(args, "--reasoning-budget-message", service.ReasoningBudgetMessage);
        }
    }

    private static void AddMode(List<string> args, string? mode, IList<string> extra)
    {
        string[] flags = mode switch
        {
            ServingModes.Embedding => ["--embedding", "--pooling", "last", "--cache-ram", "0"],
            ServingModes.Rerank => ["--reranking", "--embedding", "--pooling", "rank", "--cache-ram", "0"],
            _ => [],
        };
        for (var i = 0; i < flags.Length; i++)
        {
            var takesValue = i + 1 < flags.Length && !flags[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (!Has(extra, flags[i]))
            {
                args.Add(flags[i]);
                if (takesValue)
                {
                    args.Add(flags[i + 1]);
                }
            }

            if (takesValue)
            {
                i++;
            }
        }
    }

    private static void AddValue(List<string> args, string flag, int? value)
    {
        if (value is not null)
        {
            args.AddRange([flag, Number(value.Value)]);
        }
    }

    private static void AddValue(List<string> args, string flag, string? value)
    {
        if (value is { Length: > 0 })
        {
            args.AddRange([flag, value]);
        }
    }

    private static void AddFlag(List<string> args, string flag, bool? on)
    {
        if (on == true)
        {
            args.Add(flag);
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}

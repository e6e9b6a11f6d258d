using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class LlamaCppArgsTests
{
    private static List<string> Args(Action<ModelSpec>? model = null, Action<InferenceServiceSpec>? service = null) =>
        Server(State(Model(configure: model), Service(service))).Args.ToList();

    [Fact]
    public void Cpu_defaults_are_model_port_host_and_metrics()
    {
        Assert.Equal(["--model", $"/models/{Key()}/tiny-Q4_K_M.gguf", "--port", "8080", "--host", "::", "--metrics"], Args());
    }

    [Fact]
    public void Port_is_containerPort_then_endpoint_port()
    {
        Assert.Contains("9000", Args(service: s => { s.ContainerPort = 9000; s.Endpoint = new() { Port = 8081 }; }));
        Assert.Contains("8081", Args(service: s => s.Endpoint = new() { Port = 8081 }));
    }

    [Fact]
    public void Gpu_flags_follow_the_model_count_and_layers()
    {
        var args = Args(model: m => m.Hardware = new() { Gpu = new() { Enabled = true, Count = 1, Layers = 20 } });

        Assert.Equal(["--n-gpu-layers", "20"], args.Skip(args.IndexOf("--n-gpu-layers")).Take(2));
        Assert.DoesNotContain("--split-mode", args);
    }

    [Theory]
    [InlineData(null, "99")]
    [InlineData(-1, "99")]
    [InlineData(0, "0")]
    public void Unset_or_minus_one_layers_offload_everything(int? layers, string expected)
    {
        var args = Args(model: m => m.Hardware = new() { Gpu = new() { Count = 1, Layers = layers } });

        Assert.Equal(expected, args[args.IndexOf("--n-gpu-layers") + 1]);
    }

    [Fact]
    public void Gpu_enabled_alone_requests_no_gpu_flags()
    {
        Assert.DoesNotContain("--n-gpu-layers", Args(model: m => m.Hardware = new() { Gpu = new() { Enabled = true } }));
    }

    [Fact]
    public void Service_gpu_count_applies_when_the_model_has_none()
    {
        Assert.Contains("--n-gpu-layers", Args(service: s => s.Resources = new() { Gpu = 1 }));
    }

    [Theory]
    [InlineData(null, "layer")]
    [InlineData(ShardingStrategies.Layer, "layer")]
    [InlineData(ShardingStrategies.Tensor, "row")]
    [InlineData(ShardingStrategies.Row, "row")]
    [InlineData(ShardingStrategies.Pipeline, "layer")]
    [InlineData(ShardingStrategies.None, "none")]
    public void Multi_gpu_split_mode_maps_the_sharding_strategy(string? strategy, string mode)
    {
        var args = Args(model: m => m.Hardware = new() { Gpu = new() { Count = 2, Sharding = new() { Strategy = strategy } } });

        Assert.Equal(mode, args[args.IndexOf("--split-mode") + 1]);
        Assert.Equal(mode != "none", args.Contains("--tensor-split"));
    }

    [Theory]
    [InlineData(new[] { "0-19", "20-39" }, 2, "1,1")]
    [InlineData(new[] { "0-9", "10-39" }, 2, "1,3")]
    [InlineData(new[] { "0-19" }, 2, "1,1")]
    [InlineData(new[] { "x" }, 3, "1,1,1")]
    public void Tensor_split_is_reduced_layer_ratios_or_equal_shares(string[] layerSplit, int gpus, string expected)
    {
        Assert.Equal(expected, LlamaCppArgs.TensorSplit(layerSplit, gpus));
    }

    [Fact]
    public void Typed_knobs_appear_in_upstream_order_before_extra_args()
    {
        var args = Args(
            model: m => { m.Hardware = new() { Gpu = new() { Count = 1 } }; },
            service: s =>
            {
                s.ContextSize = 8192;
                s.RopeScaling = new() { Type = RopeScalingTypes.Yarn, Factor = "4", OriginalContext = 32768 };
                s.ParallelSlots = 4;
                s.FlashAttention = true;
                s.Jinja = true;
                s.CacheTypeK = CacheTypes.Q8_0;
                s.CacheTypeCustomV = "turbo3";
                s.CacheTypeV = CacheTypes.F16;
                s.MoeCPUOffload = true;
                s.MoeCPULayers = 8;
                s.NoKvOffload = true;
                s.TensorOverrides = ["exps=CPU"];
                s.BatchSize = 2048;
                s.UBatchSize = 256;
                s.NoWarmup = true;
                s.ReasoningBudget = 1024;
                s.ReasoningBudgetMessage = "stop";
                s.MetadataOverrides = ["a=int:1"];
                s.ExtraArgs = ["--threads", "8"];
            });

        string[] expected =
        [
            "--ctx-size", "8192", "--rope-scaling", "yarn", "--rope-scale", "4", "--yarn-orig-ctx", "32768",
            "--parallel", "4", "--flash-attn", "on", "--jinja", "--cache-type-k", "q8_0", "--cache-type-v", "turbo3",
            "--cpu-moe", "--n-cpu-moe", "8", "--no-kv-offload", "--override-tensor", "exps=CPU",
            "--batch-size", "2048", "--ubatch-size", "256", "--no-warmup", "--reasoning-budget", "1024",
            "--reasoning-budget-message", "stop", "--override-kv", "a=int:1", "--threads", "8", "--metrics",
        ];
        Assert.Equal(expected, args.Skip(args.IndexOf("--ctx-size")));
    }

    [Fact]
    public void Flash_attention_needs_a_gpu()
    {
        Assert.DoesNotContain("--flash-attn", Args(service: s => s.FlashAttention = true));
    }

    [Fact]
    public void Flags_already_in_extraArgs_are_not_added_twice()
    {
        var args = Args(service: s => { s.ExtraArgs = ["--host=0.0.0.0", "--parallel", "2", "--metrics"]; s.ParallelSlots = 4; s.BindAddress = "1.2.3.4"; });

        Assert.Single(args, a => a.StartsWith("--host", StringComparison.Ordinal));
        Assert.Single(args, a => a == "--parallel");
        Assert.Single(args, a => a == "--metrics");
        Assert.DoesNotContain("1.2.3.4", args);
    }

    [Theory]
    [InlineData(ServingModes.Embedding, new[] { "--embedding", "--pooling", "last", "--cache-ram", "0" })]
    [InlineData(ServingModes.Rerank, new[] { "--reranking", "--embedding", "--pooling", "rank", "--cache-ram", "0" })]
    [InlineData(ServingModes.Chat, new string[0])]
    public void Modes_add_their_flags(string mode, string[] flags)
    {
        var args = Args(service: s => s.Mode = mode);

        Assert.Equal(flags, args.Skip(6).Take(flags.Length));
    }

    [Fact]
    public void Mode_flags_already_given_are_not_repeated()
    {
        var args = Args(service: s => { s.Mode = ServingModes.Embedding; s.ExtraArgs = ["--pooling", "cls"]; });

        Assert.Single(args, a => a == "--pooling");
        Assert.Contains("cls", args);
        Assert.Contains("--embedding", args);
    }

    [Fact]
    public void Skip_model_init_omits_the_model_path()
    {
        Assert.DoesNotContain("--model", Args(service: s => s.SkipModelInit = true));
    }
}

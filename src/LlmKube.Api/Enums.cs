namespace LlmKube.Api;

// String enums of the API. Fields stay strings in C# so that an object written by a newer CRD never fails
// to deserialize; the CRD schema enforces the allowed values.

public static class RefreshPolicies
{
    public const string IfNotPresent = "IfNotPresent";
    public const string OnChange = "OnChange";
}

public static class ModelFormats
{
    public const string Gguf = "gguf";
    public const string Mlx = "mlx";
    public const string Safetensors = "safetensors";
    public const string Pytorch = "pytorch";
    public const string Custom = "custom";
}

public static class Accelerators
{
    public const string Cpu = "cpu";
    public const string Metal = "metal";
    public const string Cuda = "cuda";
    public const string Rocm = "rocm";
    public const string Intel = "intel";
    public const string Vulkan = "vulkan";
}

public static class GpuVendors
{
    public const string Nvidia = "nvidia";
    public const string Amd = "amd";
    public const string Intel = "intel";
}

public static class GpuRuntimes
{
    public const string Vulkan = "vulkan";
    public const string Rocm = "rocm";
}

public static class ShardingStrategies
{
    public const string Layer = "layer";
    public const string Tensor = "tensor";
    public const string Row = "row";
    public const string Pipeline = "pipeline";
    public const string None = "none";
}

public static class ModelPhases
{
    public const string Pending = "Pending";
    public const string Downloading = "Downloading";
    public const string Copying = "Copying";
    public const string Ready = "Ready";
    public const string Failed = "Failed";
}

public static class Runtimes
{
    public const string LlamaCpp = "llamacpp";
    public const string LlamaCppRouter = "llamacpp-router";
    public const string PersonaPlex = "personaplex";
    public const string Vllm = "vllm";
    public const string Tgi = "tgi";
    public const string Sglang = "sglang";
    public const string Generic = "generic";
}

public static class ServiceTypes
{
    public const string ClusterIP = "ClusterIP";
    public const string NodePort = "NodePort";
    public const string LoadBalancer = "LoadBalancer";
}

public static class CacheTypes
{
    public const string F16 = "f16";
    public const string F32 = "f32";
    public const string Q8_0 = "q8_0";
    public const string Q4_0 = "q4_0";
    public const string Q4_1 = "q4_1";
    public const string Q5_0 = "q5_0";
    public const string Q5_1 = "q5_1";
    public const string Iq4Nl = "iq4_nl";
}

public static class RopeScalingTypes
{
    public const string Linear = "linear";
    public const string Yarn = "yarn";
    public const string LongRope = "longrope";
}

public static class Priorities
{
    public const string Critical = "critical";
    public const string High = "high";
    public const string Normal = "normal";
    public const string Low = "low";
    public const string Batch = "batch";
}

public static class ServingModes
{
    public const string Chat = "chat";
    public const string Embedding = "embedding";
    public const string Rerank = "rerank";
}

public static class CachePersistence
{
    public const string Cached = "Cached";
    public const string Ephemeral = "Ephemeral";
}

public static class ServicePhases
{
    public const string Pending = "Pending";
    public const string Creating = "Creating";
    public const string Progressing = "Progressing";
    public const string Ready = "Ready";
    public const string WaitingForGpu = "WaitingForGPU";
    public const string Stopped = "Stopped";
    public const string Suspended = "Suspended";
    public const string Failed = "Failed";
}

/// <summary>Which volume a service's model really lives on (★ <c>status.modelCache.volume</c>).</summary>
public static class CacheVolumes
{
    public const string Shared = "shared";
    public const string PerService = "perService";
    /// <summary>The user's own claim, <c>spec.modelCache.claimName</c>.</summary>
    public const string UserClaim = "claim";
    public const string Ephemeral = "ephemeral";
    public const string PvcSource = "pvcSource";
    public const string None = "none";
}

using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;

namespace LlmKube.Core.Builders;

/// <summary>How many GPUs a pod requests and under which extended resource, as upstream decides it.</summary>
public sealed record GpuRequest(int Count, string ResourceName, string TolerationKey)
{
    public bool Any => Count > 0;

    /// <summary>The Model's count wins, else the service's resources.gpu; enabled alone requests nothing.</summary>
    public static GpuRequest Resolve(ModelSpec model, InferenceServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        var gpu = model.Hardware?.Gpu;
        var count = gpu?.Count is > 0 ? gpu.Count.Value : service.Resources?.Gpu ?? 0;
        var resource = gpu?.ResourceName is { Length: > 0 } name
            ? name
            : gpu?.Vendor switch
            {
                GpuVendors.Amd => "amd.com/gpu",
                GpuVendors.Intel => "gpu.intel.com/i915",
                _ => "nvidia.com/gpu",
            };
        var toleration = gpu?.TolerationKey is { Length: > 0 } key ? key : resource;
        return new GpuRequest(count, resource, toleration);
    }

    /// <summary>True when the model is meant for an NVIDIA GPU, which selects the CUDA image.</summary>
    public static bool WantsCuda(ModelSpec model, GpuRequest request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        var gpu = model.Hardware?.Gpu;
        var nvidia = gpu?.Vendor is null or "" or GpuVendors.Nvidia;
        return nvidia && (gpu?.Enabled == true || request.Any || model.Hardware?.Accelerator == Accelerators.Cuda);
    }
}

using LlmKube.Core;

namespace LlmKube.Operator.Configuration;

/// <summary>The part of the operator's options that shapes the objects it builds.</summary>
public static class OperatorOptionsWorkload
{
    public static WorkloadSettings Workload(this OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new WorkloadSettings
        {
            ModelCacheEnabled = options.ModelCacheEnabled,
            ModelCacheMode = options.ModelCacheMode,
            ModelCacheSize = options.ModelCacheSize,
            ModelCacheStorageClass = options.ModelCacheStorageClass,
            ModelCacheAccessMode = options.ModelCacheAccessMode,
            FetcherImage = options.FetcherImage,
            ServerImage = options.ServerImage,
            ServerCudaImage = options.ServerCudaImage,
            DefaultFsGroup = options.DefaultFsGroup,
            AllowedHostPathRoots = options.AllowedHostPathRoots,
            PodSecurityLevel = options.PodSecurityLevel,
            AllowedImages = options.AllowedImages,
            CaCertConfigMap = options.CaCertConfigMap,
            FetcherAllowedNetworks = options.FetcherAllowedNetworks,
        };
    }
}

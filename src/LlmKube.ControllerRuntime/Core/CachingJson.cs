using k8s;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The converters a process that caches API objects adds to the client's process-wide JSON options
/// (<see cref="KubernetesJson"/>): cached objects share their strings and quantities, each distinct quantity is
/// canonicalised once, and timestamps skip the culture-aware parser. The options lock on first use, so this must run
/// before anything uses the client.
/// </summary>
public static class CachingJson
{
    /// <summary>Installs the pools and the timestamp converter; what the options already hold, or cannot take, is left as it is.</summary>
    public static void Install()
    {
        StringPool.TryInstall(new StringPool());
        QuantityPool.TryInstall(new QuantityPool());
        TimestampConverter.TryInstall();
    }
}

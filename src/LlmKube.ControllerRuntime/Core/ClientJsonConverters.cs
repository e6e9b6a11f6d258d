using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Adds converters to the client's process-wide JSON options (<see cref="KubernetesJson"/>). Those options become
/// read-only once they are first used, so a converter must be added before any client call.
/// </summary>
internal static class ClientJsonConverters
{
    /// <summary>Adds <paramref name="converter"/> to the client's options; false when they are read-only or already hold one of its type.</summary>
    public static bool TryInstall(JsonConverter converter)
    {
        var installed = false;
        KubernetesJson.AddJsonOptions(options => installed = TryAdd(options, converter));
        return installed;
    }

    /// <summary>Adds <paramref name="converter"/> to <paramref name="options"/>; false when they are read-only or already hold one of its type.</summary>
    public static bool TryAdd(JsonSerializerOptions options, JsonConverter converter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(converter);
        if (options.IsReadOnly || options.Converters.Any(c => c.GetType() == converter.GetType()))
        {
            return false;
        }

        // First: the first converter in the list that handles a type wins, and the client registers its own (timestamps).
        options.Converters.Insert(0, converter);
        return true;
    }
}

using System.Globalization;
using LlmKube.Contracts;

namespace LlmKube.Core.Configuration;

/// <summary>
/// The operator's configuration as it publishes it (<see cref="OperatorConfigMap"/>): the settings that shape the
/// objects it builds, its version and the namespace it watches. Written by the operator, read back by the CLI through
/// the same two functions, so the keys and their formats cannot drift apart.
/// </summary>
public sealed record PublishedConfiguration(WorkloadSettings Settings, string Version, string? WatchNamespace)
{
    public Dictionary<string, string> ToData() => new()
    {
        [OperatorConfigMap.Keys.Version] = Version,
        [OperatorConfigMap.Keys.ModelCacheEnabled] = Settings.ModelCacheEnabled ? "true" : "false",
        [OperatorConfigMap.Keys.ModelCacheMode] = Settings.ModelCacheMode,
        [OperatorConfigMap.Keys.ModelCacheSize] = Settings.ModelCacheSize,
        [OperatorConfigMap.Keys.ModelCacheStorageClass] = Settings.ModelCacheStorageClass ?? "",
        [OperatorConfigMap.Keys.ModelCacheAccessMode] = Settings.ModelCacheAccessMode,
        [OperatorConfigMap.Keys.DefaultFsGroup] = Settings.DefaultFsGroup.ToString(CultureInfo.InvariantCulture),
        [OperatorConfigMap.Keys.FetcherImage] = Settings.FetcherImage,
        [OperatorConfigMap.Keys.WatchNamespace] = WatchNamespace ?? "",
    };

    /// <summary>The configuration in <paramref name="data"/>, or null with the reason when a key is missing or not valid.</summary>
    public static PublishedConfiguration? FromData(IDictionary<string, string>? data, out string? problem)
    {
        string? Read(string key) => data?.TryGetValue(key, out var value) == true ? value : null;
        problem = null;
        var enabled = Read(OperatorConfigMap.Keys.ModelCacheEnabled);
        var mode = Read(OperatorConfigMap.Keys.ModelCacheMode);
        var fsGroup = Read(OperatorConfigMap.Keys.DefaultFsGroup);
        if (!bool.TryParse(enabled, out var isEnabled))
        {
            problem = $"{OperatorConfigMap.Keys.ModelCacheEnabled} is \"{enabled}\", not true or false";
        }
        else if (mode is not (CacheModes.Shared or CacheModes.PerService))
        {
            problem = $"{OperatorConfigMap.Keys.ModelCacheMode} is \"{mode}\", not {CacheModes.Shared} or {CacheModes.PerService}";
        }
        else if (!long.TryParse(fsGroup, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var group))
        {
            problem = $"{OperatorConfigMap.Keys.DefaultFsGroup} is \"{fsGroup}\", not a number";
        }
        else
        {
            var defaults = new WorkloadSettings();
            return new PublishedConfiguration(
                new WorkloadSettings
                {
                    ModelCacheEnabled = isEnabled,
                    ModelCacheMode = mode,
                    ModelCacheSize = Read(OperatorConfigMap.Keys.ModelCacheSize) is { Length: > 0 } size ? size : defaults.ModelCacheSize,
                    ModelCacheStorageClass = Read(OperatorConfigMap.Keys.ModelCacheStorageClass) is { Length: > 0 } storageClass ? storageClass : null,
                    ModelCacheAccessMode = Read(OperatorConfigMap.Keys.ModelCacheAccessMode) is { Length: > 0 } accessMode ? accessMode : defaults.ModelCacheAccessMode,
                    DefaultFsGroup = group,
                    FetcherImage = Read(OperatorConfigMap.Keys.FetcherImage) is { Length: > 0 } image ? image : defaults.FetcherImage,
                },
                Read(OperatorConfigMap.Keys.Version) ?? "",
                Read(OperatorConfigMap.Keys.WatchNamespace) is { Length: > 0 } watched ? watched : null);
        }

        return null;
    }

    /// <summary>One line for people: the cache mode, caching on or off, the size and class of the claims the operator creates.</summary>
    public string Describe() =>
        $"{Settings.ModelCacheMode} cache mode, caching {(Settings.ModelCacheEnabled ? "on" : "off")}, claims of {Settings.ModelCacheSize} " +
        $"({(Settings.ModelCacheStorageClass is { } storageClass ? $"storage class {storageClass}" : "the cluster's default storage class")}, {Settings.ModelCacheAccessMode})" +
        (WatchNamespace is { } ns ? $", watching namespace {ns}" : "") + (Version.Length > 0 ? $", version {Version}" : "");
}

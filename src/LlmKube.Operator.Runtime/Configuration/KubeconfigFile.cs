using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace LlmKube.Operator.Configuration;

/// <summary>
/// Reads one kubeconfig file into the client's configuration. The client's own reader goes through
/// <see cref="KubernetesYaml"/>, whose static setup maps the YAML names of every API model type (some 52,000 attribute
/// overrides, about 5 MB of heap kept for the process's life, plus the types it loads) to read a file that only ever
/// holds <see cref="K8SConfiguration"/>. That model names its YAML members itself, so a plain deserializer reads it the
/// same way; the rest (paths relative to the file, contexts, credentials) is the client's
/// <see cref="KubernetesClientConfiguration.BuildConfigFromConfigObject"/>.
/// </summary>
public static class KubeconfigFile
{
    /// <summary>The client configuration of <paramref name="path"/>'s current context.</summary>
    /// <exception cref="KubeConfigException">The file is missing, is not YAML, or its current context is unusable.</exception>
    public static KubernetesClientConfiguration Load(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new KubeConfigException($"kubeconfig file not found at {file.FullName}");
        }

        K8SConfiguration? config;
        try
        {
            using var reader = file.OpenText();
            config = new DeserializerBuilder().IgnoreUnmatchedProperties().Build()
                .Deserialize<K8SConfiguration>(new MergingParser(new Parser(reader)));
        }
        catch (YamlException e)
        {
            throw new KubeConfigException($"kubeconfig {file.FullName} is not valid YAML: {e.Message}");
        }

        if (config is null)
        {
            throw new KubeConfigException($"kubeconfig {file.FullName} is empty");
        }

        // As the client's reader does: certificate and key paths in the file are relative to the file.
        config.FileName = file.FullName;
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(config);
    }
}

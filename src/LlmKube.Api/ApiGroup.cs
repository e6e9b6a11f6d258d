namespace LlmKube.Api;

/// <summary>The API group and version served, identical to upstream LLMKube so manifests carry over.</summary>
public static class ApiGroup
{
    public const string Group = "inference.llmkube.dev";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;
}

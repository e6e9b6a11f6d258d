namespace LlmKube.Api;

/// <summary>
/// The rule for the names of our objects, written once: the CRDs' root CEL rules, <c>render</c>, <c>deploy</c> and the
/// builders' tests use these members. The bound is what the names derived from them need (src/LlmKube.Core/Builders):
/// <list type="bullet">
/// <item>The Kubernetes Service is the InferenceService's name with dots made dashes (upstream's rule,
/// <c>ObjectLabels.KubernetesServiceName</c>): a DNS-1035 label, so at most 63 characters and a letter first.</item>
/// <item>The labels <c>app</c> and <c>inference.llmkube.dev/service</c> on the Deployment, its pods and a perService
/// claim carry the name verbatim, and <c>inference.llmkube.dev/model</c> carries <c>spec.modelRef</c>, the Model's name:
/// label values, at most 63 characters.</item>
/// <item>The Deployment has the name itself (a DNS-1123 subdomain, 253); its ReplicaSet adds <c>-&lt;hash&gt;</c> (at most
/// 11) within 253, and its pods are named by generateName, which the API server truncates, so neither binds.</item>
/// <item>A perService claim is <c>&lt;name&gt;-model-cache</c>: at most 63 + 12 = 75 characters of a 253 subdomain.</item>
/// </list>
/// So an InferenceService name is at most 63 characters and starts with a lowercase letter; a Model name, at most 63.
/// (The API server already requires both to be DNS-1123 subdomains: lowercase alphanumerics, '-' and '.'.)
/// </summary>
public static class ObjectNames
{
    /// <summary>The longest name from which every derived name and label value is still valid.</summary>
    public const int MaxLength = 63;

    // The CEL rules avoid matches(): metadata.name has no maxLength in the CEL type the API server builds, so a regex
    // over it would be costed at the request's size and could exceed the rule budget. startsWith costs one character.
    // The 63 is MaxLength (C# cannot interpolate an int into a constant); ObjectNamesTests checks they agree.

    /// <summary>The root CEL rule of InferenceService.</summary>
    public const string InferenceServiceRule =
        "size(self.metadata.name) <= 63 && !['0','1','2','3','4','5','6','7','8','9'].exists(d, self.metadata.name.startsWith(d))";

    /// <summary>What the API server says when <see cref="InferenceServiceRule"/> fails: the field, why, and the fix.</summary>
    public const string InferenceServiceMessage =
        "metadata.name must start with a lowercase letter and be at most 63 characters: it names the Kubernetes Service " +
        "(a DNS-1035 label; dots become dashes) and is a label value on the pods. Rename it, e.g. llama-8b instead of 8b-llama";

    /// <summary>The root CEL rule of Model.</summary>
    public const string ModelRule = "size(self.metadata.name) <= 63";

    /// <summary>What the API server says when <see cref="ModelRule"/> fails.</summary>
    public const string ModelMessage =
        "metadata.name must be at most 63 characters: InferenceServices carry it in the label inference.llmkube.dev/model " +
        "(spec.modelRef). Pick a shorter name";

    /// <summary>
    /// <see cref="InferenceServiceRule"/> in C#, for objects admitted before the CRDs had it (the operator reports them
    /// through SpecChecks instead of failing on every child): null when the name is valid, else what is wrong and the fix.
    /// </summary>
    public static string? InferenceServiceNameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length <= MaxLength && name is [not (>= '0' and <= '9'), ..] ? null : $"\"{name}\": {InferenceServiceMessage}";
    }
}

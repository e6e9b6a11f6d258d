using LlmKube.Operator.Configuration;

namespace LlmKube.Cli.Render;

/// <summary>What render simulates: the operator's options, the namespace for objects without one, and claims to treat as missing.</summary>
internal sealed record RenderRequest(OperatorOptions Options, string DefaultNamespace, IReadOnlySet<string> MissingClaims);

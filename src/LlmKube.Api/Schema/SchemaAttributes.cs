namespace LlmKube.Api.Schema;

/// <summary>Marks an object whose unknown fields the API server must keep (no pruning below it).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>A CEL rule emitted as <c>x-kubernetes-validations</c> on the annotated object.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
}

/// <summary>A list treated as a map keyed by the given fields (<c>x-kubernetes-list-type: map</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeysAttribute(params string[] keys) : Attribute
{
    public IReadOnlyList<string> Keys { get; } = keys;
}

/// <summary>The value must be a Kubernetes resource quantity such as <c>500m</c>, <c>4Gi</c> or <c>1.5</c>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class QuantityAttribute : Attribute;

/// <summary>Each string item must match the pattern (the schema puts it on <c>items</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemPatternAttribute(string pattern) : Attribute
{
    public string Pattern { get; } = pattern;
}

/// <summary>Each string item has at most this many characters (the schema puts <c>maxLength</c> on <c>items</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemMaxLengthAttribute(int length) : Attribute
{
    public int Length { get; } = length;
}

/// <summary>
/// An upstream field this implementation accepts but does not act on. Setting it is reported once
/// (Warning event <c>FieldNotSupported</c>, or a render warning) instead of being dropped silently.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotSupportedAttribute(string consequence) : Attribute
{
    /// <summary>What happens instead, e.g. "ignored; scale with spec.replicas".</summary>
    public string Consequence { get; } = consequence;

    /// <summary>True when serving without the field would do something else than asked: nothing is deployed.</summary>
    public bool Blocking { get; init; }
}

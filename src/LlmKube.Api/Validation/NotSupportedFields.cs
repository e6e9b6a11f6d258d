using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Validation;

/// <summary>Finds fields marked <see cref="NotSupportedAttribute"/> that are set, anywhere in one of our spec types.</summary>
internal static class NotSupportedFields
{
    // Reflection over a type's properties and attributes is computed once per type: reconciles run this for every
    // service on every pass. The cache only memoizes immutable type metadata.
    private static readonly ConcurrentDictionary<Type, Member[]> Members = new();

    public static IEnumerable<SpecIssue> Find(object spec, string path)
    {
        foreach (var member in Members.GetOrAdd(spec.GetType(), Describe))
        {
            // The field's path is built only when it is reported or walked into: most members are unset.
            var value = member.Property.GetValue(spec);
            if (member.NotSupported is { } notSupported)
            {
                if (IsSet(value))
                {
                    yield return new SpecIssue(
                        notSupported.Blocking ? IssueSeverity.NotSupported : IssueSeverity.Ignored,
                        IssueReasons.FieldNotSupported,
                        $"{path}.{member.JsonName}",
                        $"is not supported by this operator: {notSupported.Consequence}");
                }
            }
            else if (value is not null && member.Nested)
            {
                foreach (var nested in Find(value, $"{path}.{member.JsonName}"))
                {
                    yield return nested;
                }
            }
        }
    }

    private static Member[] Describe(Type type) => SchemaGenerator.JsonProperties(type)
        .Select(p => new Member(p, SchemaGenerator.JsonName(p), p.GetCustomAttribute<NotSupportedAttribute>(), IsOwnType(p.PropertyType)))
        .Where(m => m.NotSupported is not null || m.Nested)
        .ToArray();

    private static bool IsSet(object? value) => value switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        JsonElement e => e.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined),
        ICollection c => c.Count > 0,
        _ => true,
    };

    private static bool IsOwnType(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("LlmKube.Api", StringComparison.Ordinal) == true;

    private sealed record Member(PropertyInfo Property, string JsonName, NotSupportedAttribute? NotSupported, bool Nested);
}

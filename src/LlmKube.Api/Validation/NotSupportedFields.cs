using System.Collections;
using System.Reflection;
using System.Text.Json;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Validation;

/// <summary>Finds fields marked <see cref="NotSupportedAttribute"/> that are set, anywhere in one of our spec types.</summary>
internal static class NotSupportedFields
{
    public static IEnumerable<SpecIssue> Find(object spec, string path)
    {
        foreach (var property in SchemaGenerator.JsonProperties(spec.GetType()))
        {
            var value = property.GetValue(spec);
            var field = $"{path}.{SchemaGenerator.JsonName(property)}";
            if (property.GetCustomAttribute<NotSupportedAttribute>() is { } notSupported)
            {
                if (IsSet(value))
                {
                    yield return new SpecIssue(
                        notSupported.Blocking ? IssueSeverity.NotSupported : IssueSeverity.Ignored,
                        IssueReasons.FieldNotSupported,
                        field,
                        $"is not supported by this operator: {notSupported.Consequence}");
                }

                continue;
            }

            if (value is not null && IsOwnType(property.PropertyType))
            {
                foreach (var nested in Find(value, field))
                {
                    yield return nested;
                }
            }
        }
    }

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
}

using System.Collections;
using System.Globalization;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace LlmKube.Api.Schema;

/// <summary>
/// Turns C# API types into a structural OpenAPI v3 schema: everything inlined (no $ref), a type on
/// every node, properties sorted by JSON name so the output is stable, and each property's description
/// taken from its doc comment (<see cref="XmlDocumentation"/>).
/// </summary>
public static class SchemaGenerator
{
    private static readonly JsonNamingPolicy Naming = JsonNamingPolicy.CamelCase;

    /// <summary>The schema of <paramref name="type"/>; descriptions come from <paramref name="documentation"/> (none when null).</summary>
    public static V1JSONSchemaProps ForType(Type type, XmlDocumentation? documentation = null) =>
        ForType(type, new Walk(documentation ?? XmlDocumentation.Empty, new Stack<Type>()));

    /// <summary>The JSON name of a property, as <c>KubernetesJson</c> serializes it.</summary>
    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? Naming.ConvertName(property.Name);

    /// <summary>The serialized properties of a type (public, readable, not ignored).</summary>
    public static IEnumerable<PropertyInfo> JsonProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null);

    /// <summary>Where the generator is: the documentation to read and the object types being expanded (to refuse recursion).</summary>
    private sealed record Walk(XmlDocumentation Documentation, Stack<Type> Path);

    private static V1JSONSchemaProps ForType(Type type, Walk walk)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (Scalar(type) is { } scalar)
        {
            return scalar;
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = ForType(valueType, walk) };
        }

        if (ListItemType(type) is { } itemType)
        {
            return new V1JSONSchemaProps { Type = "array", Items = ForType(itemType, walk) };
        }

        if (type == typeof(V1ObjectMeta))
        {
            return new V1JSONSchemaProps { Type = "object" };
        }

        if (walk.Path.Contains(type))
        {
            throw new InvalidOperationException($"Type {type.Name} refers to itself; a structural schema cannot express recursion.");
        }

        walk.Path.Push(type);
        try
        {
            return ForObject(type, walk);
        }
        finally
        {
            walk.Path.Pop();
        }
    }

    private static V1JSONSchemaProps ForObject(Type type, Walk walk)
    {
        var schema = new V1JSONSchemaProps { Type = "object", Properties = new SortedDictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal) };
        var required = new List<string>();
        foreach (var property in JsonProperties(type))
        {
            var name = JsonName(property);
            schema.Properties[name] = ForProperty(property, walk);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        schema.Properties = new Dictionary<string, V1JSONSchemaProps>(schema.Properties);
        if (required.Count > 0)
        {
            required.Sort(StringComparer.Ordinal);
            schema.Required = required;
        }

        ApplyCelRules(schema, type.GetCustomAttributes<CelRuleAttribute>());
        if (type.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            schema.XKubernetesPreserveUnknownFields = true;
        }

        return schema;
    }

    private static V1JSONSchemaProps ForProperty(PropertyInfo property, Walk walk)
    {
        var schema = ForType(property.PropertyType, walk);
        var isArray = schema.Type == "array";
        schema.Description = Describe(property, walk.Documentation);

        if (property.GetCustomAttribute<DefaultValueAttribute>() is { Value: { } defaultValue })
        {
            schema.DefaultProperty = defaultValue;
        }

        if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
        {
            schema.EnumProperty = allowed.Values.Where(v => v is not null).Cast<object>().ToList();
        }

        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } regex)
        {
            schema.Pattern = regex.Pattern;
        }

        if (property.GetCustomAttribute<QuantityAttribute>() is not null)
        {
            schema.Pattern = Patterns.Quantity;
        }

        if (property.GetCustomAttribute<ItemPatternAttribute>() is { } itemPattern && schema.Items is V1JSONSchemaProps items)
        {
            items.Pattern = itemPattern.Pattern;
        }

        if (property.GetCustomAttribute<ItemMaxLengthAttribute>() is { } itemMaxLength && schema.Items is V1JSONSchemaProps bounded)
        {
            bounded.MaxLength = itemMaxLength.Length;
        }

        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            ApplyRange(schema, range);
        }

        ApplyLengths(schema, property, isArray);

        if (property.GetCustomAttribute<ListMapKeysAttribute>() is { } mapKeys)
        {
            schema.XKubernetesListType = "map";
            schema.XKubernetesListMapKeys = mapKeys.Keys.ToList();
        }

        if (property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            var target = isArray && schema.Items is V1JSONSchemaProps item ? item : schema;
            target.Type = "object";
            target.XKubernetesPreserveUnknownFields = true;
        }

        ApplyCelRules(schema, property.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    /// <summary>
    /// The doc comment, completed from the attributes that already say it, so no description restates them: the
    /// default value and, for upstream fields we accept but do not act on, what happens instead.
    /// </summary>
    private static string? Describe(PropertyInfo property, XmlDocumentation documentation)
    {
        var parts = new List<string>();
        if (documentation.Describe(property) is { } summary)
        {
            parts.Add(summary);
        }

        if (property.GetCustomAttribute<DefaultValueAttribute>() is { Value: { } defaultValue })
        {
            parts.Add(defaultValue is string text ? $"Defaults to \"{text}\"." : string.Create(CultureInfo.InvariantCulture, $"Defaults to {defaultValue}."));
        }

        if (property.GetCustomAttribute<NotSupportedAttribute>() is { } notSupported)
        {
            parts.Add(notSupported.Blocking
                ? $"★ Not supported by this operator ({notSupported.Consequence}): an object that sets it fails with reason FieldNotSupported and nothing is deployed for it."
                : $"★ Not supported by this operator ({notSupported.Consequence}): setting it is reported once, as a Warning event FieldNotSupported and by llmkube render.");
        }

        return parts.Count == 0 ? null : string.Join(" ", parts);
    }

    private static void ApplyRange(V1JSONSchemaProps schema, RangeAttribute range)
    {
        var min = Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
        var max = Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
        if (min > int.MinValue)
        {
            schema.Minimum = min;
        }

        if (max < int.MaxValue)
        {
            schema.Maximum = max;
        }
    }

    private static void ApplyLengths(V1JSONSchemaProps schema, PropertyInfo property, bool isArray)
    {
        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
        {
            if (isArray)
            {
                schema.MinItems = minLength.Length;
            }
            else
            {
                schema.MinLength = minLength.Length;
            }
        }

        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength)
        {
            if (isArray)
            {
                schema.MaxItems = maxLength.Length;
            }
            else
            {
                schema.MaxLength = maxLength.Length;
            }
        }
    }

    private static void ApplyCelRules(V1JSONSchemaProps schema, IEnumerable<CelRuleAttribute> rules)
    {
        var list = rules.Select(r => new V1ValidationRule { Rule = r.Rule, Message = r.Message }).ToList();
        if (list.Count > 0)
        {
            schema.XKubernetesValidations = list;
        }
    }

    private static V1JSONSchemaProps? Scalar(Type type)
    {
        if (type == typeof(string))
        {
            return new V1JSONSchemaProps { Type = "string" };
        }

        if (type == typeof(bool))
        {
            return new V1JSONSchemaProps { Type = "boolean" };
        }

        if (type == typeof(int) || type == typeof(short))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int32" };
        }

        if (type == typeof(long))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int64" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new V1JSONSchemaProps { Type = "number" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        }

        if (type == typeof(byte[]))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "byte" };
        }

        if (type == typeof(IntOrString))
        {
            return new V1JSONSchemaProps { XKubernetesIntOrString = true };
        }

        if (type == typeof(ResourceQuantity))
        {
            return new V1JSONSchemaProps
            {
                XKubernetesIntOrString = true,
                AnyOf = [new V1JSONSchemaProps { Type = "integer" }, new V1JSONSchemaProps { Type = "string" }],
                Pattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
            };
        }

        if (type == typeof(JsonElement) || type == typeof(object))
        {
            return new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
        }

        return null;
    }

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments() is [var key, var value] && key == typeof(string) ? value : null;
    }

    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }
}

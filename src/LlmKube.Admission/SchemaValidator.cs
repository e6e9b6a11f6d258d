using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmKube.Admission.Json;

namespace LlmKube.Admission;

/// <summary>
/// Validates a custom resource against its structural schema, collecting every error with the API server's
/// wording (<c>spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10</c>),
/// and evaluates <c>x-kubernetes-validations</c> CEL rules (with <c>oldSelf</c> on updates).
/// </summary>
public sealed partial class SchemaValidator
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex?> _patterns = new(StringComparer.Ordinal);
    private readonly CelRules _cel;
    private readonly Action<string, string>? _onUnsupportedRule;

    public SchemaValidator(CelRules cel, Action<string, string>? onUnsupportedRule = null)
    {
        _cel = cel;
        _onUnsupportedRule = onUnsupportedRule;
    }

    public List<FieldError> Validate(JsonObject obj, JsonObject schema, JsonObject? old)
    {
        var errors = new List<FieldError>();
        var properties = schema["properties"] as JsonObject;
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (properties?[key] is JsonObject propertySchema)
            {
                Validate(value, propertySchema, key, old?[key], old is not null && old.ContainsKey(key), errors);
            }
        }

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => (string?)r))
            {
                if (name is not null && name != "metadata" && !obj.ContainsKey(name))
                {
                    errors.Add(FieldError.Required(name));
                }
            }
        }

        RunRules(obj, schema, string.Empty, old, old is not null, errors);
        return errors;
    }

    private void Validate(JsonNode? node, JsonObject schema, string path, JsonNode? old, bool hasOld, List<FieldError> errors)
    {
        var before = errors.Count;
        if (node is null)
        {
            if (!StructuralSchema.Nullable(schema) && StructuralSchema.Type(schema) is { } wanted)
            {
                errors.Add(new FieldError(path, FieldErrorType.TypeInvalid, "\"null\"", $"{path} in body must be of type {wanted}: \"null\""));
            }

            return;
        }

        if (!CheckType(node, schema, path, errors))
        {
            return;
        }

        CheckEnum(node, schema, path, errors);
        switch (node)
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                CheckString(value.GetValue<string>(), schema, path, errors);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                CheckNumber(value, schema, path, errors);
                break;
            case JsonArray array:
                CheckArray(array, schema, path, old as JsonArray, errors);
                break;
            case JsonObject obj:
                CheckObject(obj, schema, path, old as JsonObject, errors);
                break;
        }

        CheckJunctors(node, schema, path, errors);
        if (errors.Count == before)
        {
            RunRules(node, schema, path, old, hasOld, errors);
        }
    }

    private static bool CheckType(JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        var kind = node.GetValueKind();
        if (StructuralSchema.IntOrString(schema))
        {
            if (kind == JsonValueKind.String || (node is JsonValue v && JsonUtil.TryInteger(v, out _)))
            {
                return true;
            }

            errors.Add(new FieldError(path, FieldErrorType.TypeInvalid, Quote(TypeName(node)), $"{path} in body must be of type integer,string: {Quote(TypeName(node))}"));
            return false;
        }

        var wanted = StructuralSchema.Type(schema);
        var ok = wanted switch
        {
            null => true,
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "number" => kind == JsonValueKind.Number,
            "integer" => node is JsonValue value && JsonUtil.TryInteger(value, out _),
            _ => true,
        };
        if (!ok)
        {
            errors.Add(new FieldError(path, FieldErrorType.TypeInvalid, Quote(TypeName(node)), $"{path} in body must be of type {wanted}: {Quote(TypeName(node))}"));
        }

        return ok;
    }

    private static void CheckEnum(JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["enum"] is JsonArray allowed && allowed.Count > 0 && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            errors.Add(FieldError.NotSupported(path, JsonUtil.Describe(node), allowed.Select(a => JsonUtil.Describe(a))));
        }
    }

    private void CheckString(string text, JsonObject schema, string path, List<FieldError> errors)
    {
        var length = text.EnumerateRunes().Count();
        if (JsonUtil.Long(schema, "maxLength") is { } max && length > max)
        {
            errors.Add(new FieldError(path, FieldErrorType.TooLong, null, Invariant($"may not be more than {max} bytes")));
        }

        if (JsonUtil.Long(schema, "minLength") is { } min && length < min)
        {
            errors.Add(FieldError.Invalid(path, JsonUtil.Quote(text), Invariant($"{path} in body should be at least {min} chars long")));
        }

        if (JsonUtil.String(schema, "pattern") is { } pattern && !Matches(pattern, text))
        {
            errors.Add(FieldError.Invalid(path, JsonUtil.Quote(text), $"{path} in body should match '{pattern}'"));
        }

        switch (JsonUtil.String(schema, "format"))
        {
            case "date-time" when !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _):
                errors.Add(FieldError.Invalid(path, JsonUtil.Quote(text), $"{path} in body must be of type date-time: {JsonUtil.Quote(text)}"));
                break;
            case "byte" when !IsBase64(text):
                errors.Add(FieldError.Invalid(path, JsonUtil.Quote(text), $"{path} in body must be of type byte: {JsonUtil.Quote(text)}"));
                break;
        }
    }

    private static void CheckNumber(JsonValue value, JsonObject schema, string path, List<FieldError> errors)
    {
        if (!JsonUtil.TryDouble(value, out var number))
        {
            return;
        }

        var shown = value.ToJsonString();
        if (schema["maximum"] is JsonValue maxNode && JsonUtil.TryDouble(maxNode, out var max))
        {
            var exclusive = JsonUtil.Bool(schema, "exclusiveMaximum") == true;
            if (exclusive ? number >= max : number > max)
            {
                errors.Add(FieldError.Invalid(path, shown, $"{path} in body should be less than {(exclusive ? string.Empty : "or equal to ")}{Number(max)}"));
            }
        }

        if (schema["minimum"] is JsonValue minNode && JsonUtil.TryDouble(minNode, out var min))
        {
            var exclusive = JsonUtil.Bool(schema, "exclusiveMinimum") == true;
            if (exclusive ? number <= min : number < min)
            {
                errors.Add(FieldError.Invalid(path, shown, $"{path} in body should be greater than {(exclusive ? string.Empty : "or equal to ")}{Number(min)}"));
            }
        }

        if (schema["multipleOf"] is JsonValue multipleNode && JsonUtil.TryDouble(multipleNode, out var multiple) && multiple > 0 &&
            Math.Abs(Math.IEEERemainder(number, multiple)) > 1e-9)
        {
            errors.Add(FieldError.Invalid(path, shown, $"{path} in body should be a multiple of {Number(multiple)}"));
        }

        switch (JsonUtil.String(schema, "format"))
        {
            case "int32" when !JsonUtil.TryInteger(value, out var i32) || i32 is < int.MinValue or > int.MaxValue:
                errors.Add(FieldError.Invalid(path, shown, $"{path} in body must be of type int32: \"{shown}\""));
                break;
        }
    }

    private void CheckArray(JsonArray array, JsonObject schema, string path, JsonArray? old, List<FieldError> errors)
    {
        if (JsonUtil.Long(schema, "maxItems") is { } max && array.Count > max)
        {
            errors.Add(new FieldError(path, FieldErrorType.TooMany, array.Count.ToString(CultureInfo.InvariantCulture), Invariant($"must have at most {max} items")));
        }

        if (JsonUtil.Long(schema, "minItems") is { } min && array.Count < min)
        {
            errors.Add(FieldError.Invalid(path, "\"array\"", Invariant($"{path} in body should have at least {min} items")));
        }

        var listType = JsonUtil.String(schema, "x-kubernetes-list-type");
        var keys = JsonUtil.StringList(schema["x-kubernetes-list-map-keys"]);
        if (listType == "set")
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array.Take(i).Any(previous => JsonNode.DeepEquals(previous, array[i])))
                {
                    errors.Add(new FieldError(StructuralSchema.Index(path, i), FieldErrorType.Duplicate, JsonUtil.Describe(array[i]), string.Empty));
                }
            }
        }
        else if (listType == "map" && keys.Count > 0)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array.Take(i).Any(previous => keys.All(k => JsonNode.DeepEquals(previous?[k], array[i]?[k]))))
                {
                    var key = new JsonObject(keys.Select(k => KeyValuePair.Create(k, array[i]?[k]?.DeepClone())));
                    errors.Add(new FieldError(StructuralSchema.Index(path, i), FieldErrorType.Duplicate, JsonUtil.ToText(key), string.Empty));
                }
            }
        }

        if (schema["items"] is not JsonObject items)
        {
            return;
        }

        for (var i = 0; i < array.Count; i++)
        {
            JsonNode? oldItem = null;
            var hasOldItem = false;
            if (old is not null && listType == "map" && keys.Count > 0)
            {
                oldItem = old.FirstOrDefault(o => keys.All(k => JsonNode.DeepEquals(o?[k], array[i]?[k])));
                hasOldItem = oldItem is not null;
            }

            Validate(array[i], items, StructuralSchema.Index(path, i), oldItem, hasOldItem, errors);
        }
    }

    private void CheckObject(JsonObject obj, JsonObject schema, string path, JsonObject? old, List<FieldError> errors)
    {
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => (string?)r))
            {
                if (name is not null && !obj.ContainsKey(name))
                {
                    errors.Add(FieldError.Required(StructuralSchema.Child(path, name)));
                }
            }
        }

        if (JsonUtil.Long(schema, "maxProperties") is { } max && obj.Count > max)
        {
            errors.Add(new FieldError(path, FieldErrorType.TooMany, obj.Count.ToString(CultureInfo.InvariantCulture), Invariant($"must have at most {max} items")));
        }

        if (JsonUtil.Long(schema, "minProperties") is { } min && obj.Count < min)
        {
            errors.Add(FieldError.Invalid(path, "\"object\"", Invariant($"{path} in body should have at least {min} properties")));
        }

        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        foreach (var (key, value) in obj)
        {
            var childSchema = properties?[key] as JsonObject ?? (properties?.ContainsKey(key) == true ? null : additional);
            if (childSchema is not null)
            {
                Validate(value, childSchema, StructuralSchema.Child(path, key), old?[key], old?.ContainsKey(key) == true, errors);
            }
        }
    }

    private void CheckJunctors(JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["allOf"] is JsonArray allOf)
        {
            foreach (var branch in allOf.OfType<JsonObject>())
            {
                Validate(node, branch, path, null, false, errors);
            }
        }

        if (schema["anyOf"] is JsonArray anyOf && anyOf.Count > 0 && !StructuralSchema.IntOrString(schema) &&
            !anyOf.OfType<JsonObject>().Any(branch => Passes(node, branch, path)))
        {
            errors.Add(FieldError.Invalid(path, JsonUtil.Describe(node), $"{path} in body must validate at least one schema (anyOf)"));
        }

        if (schema["oneOf"] is JsonArray oneOf && oneOf.Count > 0 &&
            oneOf.OfType<JsonObject>().Count(branch => Passes(node, branch, path)) != 1)
        {
            errors.Add(FieldError.Invalid(path, JsonUtil.Describe(node), $"{path} in body must validate one and only one schema (oneOf)"));
        }

        if (schema["not"] is JsonObject not && Passes(node, not, path))
        {
            errors.Add(FieldError.Invalid(path, JsonUtil.Describe(node), $"{path} in body should not validate the schema (not)"));
        }
    }

    private bool Passes(JsonNode node, JsonObject schema, string path)
    {
        var scratch = new List<FieldError>();
        Validate(node, schema, path, null, false, scratch);
        return scratch.Count == 0;
    }

    private bool Matches(string pattern, string text)
    {
        var regex = _patterns.GetOrAdd(pattern, p =>
        {
            try
            {
                return new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                return null;
            }
        });
        return regex?.IsMatch(text) ?? true;
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static string TypeName(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => node is JsonValue v && JsonUtil.TryInteger(v, out _) ? "integer" : "number",
        _ => "null",
    };


    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmKube.Admission.Json;

namespace LlmKube.Admission;

/// <summary>How a kind's object names are validated.</summary>
public enum NameRule
{
    Dns1123Subdomain,
    Dns1123Label,
    Dns1035Label,
    PathSegment,
}

/// <summary>Object metadata validation with the API server's messages: names, labels, annotations, finalizers.</summary>
public static partial class MetadataValidation
{
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1035Message =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    private const string QualifiedNameMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    public static bool IsDns1123Subdomain(string value) => value.Length <= 253 && Subdomain().IsMatch(value);

    public static IEnumerable<FieldError> ValidateName(string name, NameRule rule, string field = "metadata.name")
    {
        var quoted = JsonUtil.Quote(name);
        switch (rule)
        {
            case NameRule.Dns1123Subdomain:
                if (name.Length > 253)
                {
                    yield return FieldError.Invalid(field, quoted, "must be no more than 253 characters");
                }

                if (!Subdomain().IsMatch(name))
                {
                    yield return FieldError.Invalid(field, quoted, SubdomainMessage);
                }

                break;
            case NameRule.Dns1123Label:
                if (name.Length > 63)
                {
                    yield return FieldError.Invalid(field, quoted, "must be no more than 63 characters");
                }

                if (!Label().IsMatch(name))
                {
                    yield return FieldError.Invalid(field, quoted, LabelMessage);
                }

                break;
            case NameRule.Dns1035Label:
                if (name.Length > 63)
                {
                    yield return FieldError.Invalid(field, quoted, "must be no more than 63 characters");
                }

                if (!Dns1035().IsMatch(name))
                {
                    yield return FieldError.Invalid(field, quoted, Dns1035Message);
                }

                break;
            default:
                if (name is "." or "..")
                {
                    yield return FieldError.Invalid(field, quoted, $"may not be '{name}'");
                }
                else if (name.Contains('/', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal))
                {
                    yield return FieldError.Invalid(field, quoted, $"may not contain '{(name.Contains('/', StringComparison.Ordinal) ? "/" : "%")}'");
                }

                break;
        }
    }

    /// <summary>Validates labels, annotations, finalizers and owner references; warnings go to <paramref name="warnings"/>.</summary>
    public static void ValidateMeta(JsonObject meta, List<FieldError> errors, List<string> warnings)
    {
        if (meta["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                errors.AddRange(QualifiedName(key, "metadata.labels"));
                var text = value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null;
                if (text is null)
                {
                    errors.Add(FieldError.Invalid($"metadata.labels", JsonUtil.Describe(value), "label values must be strings"));
                    continue;
                }

                if (text.Length > 63)
                {
                    errors.Add(FieldError.Invalid("metadata.labels", JsonUtil.Quote(text), "must be no more than 63 characters"));
                }

                if (!LabelValue().IsMatch(text))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", JsonUtil.Quote(text), LabelValueMessage));
                }
            }
        }

        if (meta["annotations"] is JsonObject annotations)
        {
            var total = 0;
            foreach (var (key, value) in annotations)
            {
                errors.AddRange(QualifiedName(key.ToLowerInvariant(), "metadata.annotations"));
                total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount((string?)value ?? string.Empty);
            }

            if (total > TotalAnnotationSizeLimit)
            {
                errors.Add(new FieldError("metadata.annotations", FieldErrorType.TooLong, null, $"must have at most {TotalAnnotationSizeLimit} bytes"));
            }
        }

        if (meta["finalizers"] is JsonArray finalizers)
        {
            for (var i = 0; i < finalizers.Count; i++)
            {
                var finalizer = (string?)finalizers[i] ?? string.Empty;
                var field = $"metadata.finalizers[{i}]";
                errors.AddRange(QualifiedName(finalizer, field));
                if (!finalizer.Contains('/', StringComparison.Ordinal) && finalizer is not ("orphan" or "foregroundDeletion" or "kubernetes"))
                {
                    warnings.Add($"{field}: \"{finalizer}\": prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers");
                }
            }
        }

        if (meta["ownerReferences"] is JsonArray owners)
        {
            var controllers = 0;
            for (var i = 0; i < owners.Count; i++)
            {
                var owner = owners[i] as JsonObject;
                foreach (var required in new[] { "apiVersion", "kind", "name", "uid" })
                {
                    if (string.IsNullOrEmpty(JsonUtil.String(owner, required)))
                    {
                        errors.Add(FieldError.Invalid($"metadata.ownerReferences[{i}].{required}", "\"\"", $"{required} must not be empty"));
                    }
                }

                if (JsonUtil.Bool(owner, "controller") == true)
                {
                    controllers++;
                }
            }

            if (controllers > 1)
            {
                errors.Add(FieldError.Invalid("metadata.ownerReferences", "\"array\"", "Only one reference can have Controller set to true"));
            }
        }
    }

    private static IEnumerable<FieldError> QualifiedName(string value, string field)
    {
        var parts = value.Split('/');
        var name = parts[^1];
        if (parts.Length > 2)
        {
            yield return FieldError.Invalid(field, JsonUtil.Quote(value), "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
            yield break;
        }

        if (parts.Length == 2)
        {
            if (parts[0].Length == 0)
            {
                yield return FieldError.Invalid(field, JsonUtil.Quote(value), "prefix part must be non-empty");
            }
            else if (!IsDns1123Subdomain(parts[0]))
            {
                yield return FieldError.Invalid(field, JsonUtil.Quote(value), "prefix part " + SubdomainMessage);
            }
        }

        if (name.Length == 0)
        {
            yield return FieldError.Invalid(field, JsonUtil.Quote(value), "name part must be non-empty");
        }
        else if (name.Length > 63)
        {
            yield return FieldError.Invalid(field, JsonUtil.Quote(value), "name part must be no more than 63 characters");
        }
        else if (!QualifiedNamePart().IsMatch(name))
        {
            yield return FieldError.Invalid(field, JsonUtil.Quote(value), QualifiedNameMessage);
        }
    }
}

namespace LlmKube.Admission;

/// <summary>The reasons a field can be invalid, named as the API server's <c>metav1.CauseType</c>.</summary>
public enum FieldErrorType
{
    Required,
    Invalid,
    NotSupported,
    TypeInvalid,
    TooLong,
    TooMany,
    Forbidden,
    Duplicate,
}

/// <summary>One field error, worded like <c>k8s.io/apimachinery/pkg/util/validation/field</c>.</summary>
/// <param name="Field">A path such as <c>spec.modelCache.claimName</c>.</param>
/// <param name="Type">What is wrong.</param>
/// <param name="Value">The offending value, already rendered (strings quoted), or null when not shown.</param>
/// <param name="Detail">Free text after the value.</param>
public sealed record FieldError(string Field, FieldErrorType Type, string? Value, string Detail)
{
    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        _ => "FieldValueInvalid",
    };

    /// <summary>The message without the field name, as in <c>details.causes[].message</c>.</summary>
    public string Body
    {
        get
        {
            var head = Type switch
            {
                FieldErrorType.Required => "Required value",
                FieldErrorType.NotSupported => $"Unsupported value: {Value}",
                FieldErrorType.TooLong => "Too long",
                FieldErrorType.TooMany => Value is null ? "Too many" : $"Too many: {Value}",
                FieldErrorType.Forbidden => "Forbidden",
                FieldErrorType.Duplicate => $"Duplicate value: {Value}",
                _ => $"Invalid value: {Value ?? "null"}",
            };
            return string.IsNullOrEmpty(Detail) ? head : $"{head}: {Detail}";
        }
    }

    public override string ToString() => string.IsNullOrEmpty(Field) ? Body : $"{Field}: {Body}";

    public static FieldError Required(string field, string detail = "") => new(field, FieldErrorType.Required, null, detail);

    public static FieldError Invalid(string field, string value, string detail) => new(field, FieldErrorType.Invalid, value, detail);

    public static FieldError Forbidden(string field, string detail) => new(field, FieldErrorType.Forbidden, null, detail);

    public static FieldError NotSupported(string field, string value, IEnumerable<string> supportedQuoted) =>
        new(field, FieldErrorType.NotSupported, value, "supported values: " + string.Join(", ", supportedQuoted));
}

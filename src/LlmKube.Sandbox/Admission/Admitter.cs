using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;

namespace LlmKube.Sandbox.Admission;

/// <summary>
/// Admission for every write: defaults, pruning of unknown fields (custom resources), metadata checks,
/// the kind's validation (built-in rules, or the CRD schema and its CEL rules). Throws 422 Invalid with
/// every error collected, or 400 for unknown fields under <c>fieldValidation=Strict</c>.
/// </summary>
internal sealed class Admitter
{
    private readonly SchemaValidator _validator;
    private readonly CelRules _cel;

    public Admitter(SchemaValidator validator, CelRules cel)
    {
        _validator = validator;
        _cel = cel;
    }

    public void Admit(ResourceType type, JsonObject obj, JsonObject? old, WriteContext context)
    {
        var errors = new List<FieldError>();
        var meta = JsonUtil.Metadata(obj);
        var name = JsonUtil.String(meta, "name") ?? string.Empty;
        if (old is null)
        {
            errors.AddRange(MetadataValidation.ValidateName(name, BuiltinValidation.NameRuleFor(type.Group, type.Kind, type.IsCustom)));
        }

        if (type.IsCustom)
        {
            var unknown = new List<string>();
            var schema = type.Custom!.Schema;
            StructuralSchema.PruneRoot(obj, schema, unknown);
            if (unknown.Count > 0)
            {
                var fields = unknown.Select(u => $"unknown field \"{u}\"").ToList();
                switch (context.FieldValidation)
                {
                    case FieldValidation.Strict:
                        throw ApiException.BadRequest(
                            $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: {string.Join(", ", fields)}");
                    case FieldValidation.Warn:
                        context.Warnings.AddRange(fields);
                        break;
                }
            }

            StructuralSchema.Default(obj, schema);
            MetadataValidation.ValidateMeta(meta, errors, context.Warnings);
            if (schema is not null)
            {
                errors.AddRange(_validator.Validate(obj, schema, old));
            }
        }
        else
        {
            BuiltinDefaults.Apply(type.Kind, obj);
            MetadataValidation.ValidateMeta(meta, errors, context.Warnings);
            BuiltinValidation.Validate(type.Kind, obj, old, errors);
            if (type.Kind == "CustomResourceDefinition")
            {
                CrdValidation.Validate(obj, _cel, errors);
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type.Group, type.Kind, name, errors);
        }
    }
}

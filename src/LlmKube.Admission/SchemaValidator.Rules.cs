using System.Text.Json.Nodes;
using LlmKube.Admission.Json;

namespace LlmKube.Admission;

/// <summary>The <c>x-kubernetes-validations</c> part of schema validation.</summary>
public sealed partial class SchemaValidator
{
    private void RunRules(JsonNode node, JsonObject schema, string path, JsonNode? old, bool hasOld, List<FieldError> errors)
    {
        if (schema["x-kubernetes-validations"] is not JsonArray rules)
        {
            return;
        }

        foreach (var ruleNode in rules.OfType<JsonObject>())
        {
            var rule = JsonUtil.String(ruleNode, "rule");
            if (string.IsNullOrWhiteSpace(rule))
            {
                continue;
            }

            var transition = rule.Contains("oldSelf", StringComparison.Ordinal);
            if (transition && !hasOld && JsonUtil.Bool(ruleNode, "optionalOldSelf") != true)
            {
                continue;
            }

            var (outcome, _, error) = _cel.Evaluate(rule, node, old, transition && hasOld);
            var field = path;
            if (JsonUtil.String(ruleNode, "fieldPath") is { Length: > 0 } fieldPath)
            {
                field = path + (fieldPath.StartsWith('.') ? fieldPath : "." + fieldPath);
                field = field.TrimStart('.');
            }

            switch (outcome)
            {
                case CelOutcome.Failed:
                    errors.Add(RuleError(field, schema, ruleNode, rule, node, old, hasOld));
                    break;
                case CelOutcome.Error:
                    errors.Add(FieldError.Invalid(field, Quote(StructuralSchema.Type(schema) ?? "object"), $"{error} evaluating rule: {rule}"));
                    break;
                case CelOutcome.Unsupported:
                    _onUnsupportedRule?.Invoke(rule, error ?? string.Empty);
                    break;
            }
        }
    }

    private FieldError RuleError(string field, JsonObject schema, JsonObject ruleNode, string rule, JsonNode node, JsonNode? old, bool hasOld)
    {
        var message = JsonUtil.String(ruleNode, "message");
        if (JsonUtil.String(ruleNode, "messageExpression") is { Length: > 0 } expression)
        {
            var (outcome, value, _) = _cel.Evaluate(expression, node, old, hasOld && expression.Contains("oldSelf", StringComparison.Ordinal));
            if (outcome == CelOutcome.Passed && value is string text && text.Length > 0)
            {
                message = text;
            }
        }

        message ??= $"failed rule: {rule}";
        var shown = Quote(StructuralSchema.Type(schema) ?? "object");
        return JsonUtil.String(ruleNode, "reason") switch
        {
            "FieldValueRequired" => FieldError.Required(field, message),
            "FieldValueForbidden" => FieldError.Forbidden(field, message),
            "FieldValueDuplicate" => new FieldError(field, FieldErrorType.Duplicate, shown, message),
            _ => FieldError.Invalid(field, shown, message),
        };
    }

    private static string Quote(string text) => $"\"{text}\"";
}

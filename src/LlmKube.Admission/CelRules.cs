using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cel;
using LlmKube.Admission.Json;

namespace LlmKube.Admission;

/// <summary>The outcome of one rule: passed, failed, skipped (a function the evaluator lacks), or an evaluation error.</summary>
public enum CelOutcome
{
    Passed,
    Failed,
    Unsupported,
    Error,
}

/// <summary>
/// Evaluates CRD <c>x-kubernetes-validations</c> rules with the <c>Cel</c> package. Programs are compiled once
/// per rule text; evaluation is serialised because the package makes no thread-safety promise.
/// </summary>
public sealed class CelRules
{
    private readonly CelEnvironment _environment = NewEnvironment();
    private readonly ConcurrentDictionary<string, CelProgramDelegate> _programs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Parses a rule; returns the parser's message when it is not valid CEL.</summary>
    public string? CompileError(string rule)
    {
        try
        {
            Compile(rule);
            return null;
        }
        catch (CelException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            return e.Message;
        }
    }

    public (CelOutcome Outcome, object? Value, string? Error) Evaluate(string rule, JsonNode? self, JsonNode? oldSelf, bool hasOld)
    {
        var variables = new Dictionary<string, JsonNode?>(StringComparer.Ordinal) { ["self"] = self };
        if (hasOld)
        {
            variables["oldSelf"] = oldSelf;
        }

        return Evaluate(rule, variables);
    }

    /// <summary>Evaluates <paramref name="rule"/> with the given variables bound (e.g. <c>object</c> for a ValidatingAdmissionPolicy expression).</summary>
    public (CelOutcome Outcome, object? Value, string? Error) Evaluate(string rule, IReadOnlyDictionary<string, JsonNode?> bindings)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        var variables = bindings.ToDictionary(b => b.Key, b => ToCel(b.Value), StringComparer.Ordinal);
        try
        {
            var program = Compile(rule);
            object? value;
            lock (_gate)
            {
                value = program(variables);
            }

            return value switch
            {
                bool b => (b ? CelOutcome.Passed : CelOutcome.Failed, b, null),
                _ => (CelOutcome.Passed, value, null),
            };
        }
        catch (Exception e) when (e is CelNoSuchOverloadException or CelUnboundFunctionException ||
                                  (e is CelExpressionParserException && e.Message.Contains("no function, variable or macro", StringComparison.Ordinal)))
        {
            return (CelOutcome.Unsupported, null, e.Message);
        }
        catch (CelQuantityException e)
        {
            return (CelOutcome.Error, null, e.Message);
        }
        catch (CelNoSuchFieldException e)
        {
            var start = e.Message.IndexOf('\'', StringComparison.Ordinal);
            var end = start >= 0 ? e.Message.IndexOf('\'', start + 1) : -1;
            return (CelOutcome.Error, null, end > start ? $"no such key: {e.Message[(start + 1)..end]}" : e.Message);
        }
        catch (CelException e)
        {
            return (CelOutcome.Error, null, e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidCastException or KeyNotFoundException or NullReferenceException or FormatException)
        {
            return (CelOutcome.Error, null, e.Message);
        }
    }

    private static CelEnvironment NewEnvironment()
    {
        var environment = new CelEnvironment(null, string.Empty);
        CelQuantity.Register(environment);
        return environment;
    }

    private CelProgramDelegate Compile(string rule) => _programs.GetOrAdd(rule, r =>
    {
        lock (_gate)
        {
            return _environment.Compile(r);
        }
    });

    /// <summary>JSON to the values the Cel package works with: dictionaries, lists, long, double, string, bool.</summary>
    public static object? ToCel(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var map = new Dictionary<string, object?>(obj.Count, StringComparer.Ordinal);
                foreach (var (key, value) in obj)
                {
                    map[key] = ToCel(value);
                }

                return map;
            case JsonArray array:
                return array.Select(ToCel).ToList();
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        return value.GetValue<string>();
                    case JsonValueKind.True:
                        return true;
                    case JsonValueKind.False:
                        return false;
                    case JsonValueKind.Number:
                        if (value.TryGetValue<JsonElement>(out var element) && element.TryGetInt64(out var fromElement))
                        {
                            return fromElement;
                        }

                        if (value.TryGetValue<long>(out var integer) || value.TryGetValue<int>(out var small) && (integer = small) == small)
                        {
                            return integer;
                        }

                        return JsonUtil.TryDouble(value, out var real) ? real : null;
                    default:
                        return null;
                }

            default:
                return null;
        }
    }
}

using System.Text.Json.Nodes;

namespace LlmKube.Admission.Tests;

/// <summary>
/// Kubernetes' CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go): the sandbox and render must admit
/// exactly what an API server admits for rules that call it.
/// </summary>
public sealed class CelQuantityTests
{
    private static readonly CelRules Cel = new();

    private static (CelOutcome Outcome, object? Value, string? Error) Eval(string rule, string size = "") =>
        Cel.Evaluate(rule, new JsonObject { ["size"] = size }, null, hasOld: false);

    [Theory]
    [InlineData("quantity('200Gi').isGreaterThan(quantity('1Gi'))", true)]
    [InlineData("quantity('1Gi').isGreaterThan(quantity('1Gi'))", false)]
    [InlineData("quantity('1023Mi').isLessThan(quantity('1Gi'))", true)]
    [InlineData("quantity('1Gi').compareTo(quantity('1024Mi')) == 0", true)]
    [InlineData("quantity('1G').compareTo(quantity('1Gi')) < 0", true)]
    [InlineData("quantity('1.5Gi').compareTo(quantity('1536Mi')) == 0", true)]
    [InlineData("quantity('2e3').compareTo(quantity('2k')) == 0", true)]
    [InlineData("quantity('500m').isInteger()", false)]
    [InlineData("quantity('5k').asInteger() == 5000", true)]
    [InlineData("quantity('-1Ki').sign() == -1", true)]
    [InlineData("quantity('1Gi').add(quantity('1Gi')).compareTo(quantity('2Gi')) == 0", true)]
    [InlineData("quantity('1Gi').sub(quantity('512Mi')).compareTo(quantity('512Mi')) == 0", true)]
    [InlineData("quantity('1Gi').add(1).asInteger() == 1073741825", true)]
    [InlineData("quantity('1.5').asApproximateFloat() == 1.5", true)]
    [InlineData("isQuantity('200Gi')", true)]
    [InlineData("isQuantity('200GB')", false)]
    [InlineData("isQuantity('')", false)]
    [InlineData("isQuantity('1.2.3Gi')", false)]
    [InlineData("isQuantity(' 1Gi')", false)]
    public void The_quantity_library_answers_like_the_api_server(string rule, bool expected)
    {
        var (outcome, value, error) = Eval(rule);
        Assert.True(outcome is CelOutcome.Passed or CelOutcome.Failed, $"{outcome}: {error}");
        Assert.Equal(expected, value);
    }

    [Fact]
    public void An_invalid_quantity_is_an_evaluation_error_as_on_the_api_server()
    {
        var (outcome, _, error) = Eval("quantity(self.size).isGreaterThan(quantity('1Gi'))", "lots");
        Assert.Equal(CelOutcome.Error, outcome);
        Assert.Contains("quantities must match the regular expression", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_over_a_field_compare_by_value()
    {
        const string rule = "isQuantity(self.size) && quantity(self.size).compareTo(quantity('1Gi')) >= 0";
        Assert.Equal(CelOutcome.Passed, Eval(rule, "200Gi").Outcome);
        Assert.Equal(CelOutcome.Passed, Eval(rule, "1073741824").Outcome);
        Assert.Equal(CelOutcome.Failed, Eval(rule, "1000Mi").Outcome);
        Assert.Equal(CelOutcome.Failed, Eval(rule, "1G").Outcome);
        Assert.Equal(CelOutcome.Failed, Eval(rule, "200 Gi").Outcome);
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class OperatorConsoleFormatterTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T10:11:12.345+02:00", CultureInfo.InvariantCulture));

    [Fact]
    public void Json_lines_carry_zap_keys_an_rfc3339_utc_timestamp_and_the_reconcile_scope_as_fields()
    {
        var scopes = new LoggerExternalScopeProvider();
        var id = Guid.NewGuid();
        using var scope = scopes.Push(new ReconcileScope("inferenceservice", new ObjectKey("team-a", "llama"), id));

        var line = Write(LogFormat.Json, LogLevel.Warning, "Reconcile of {Key} failed (retry {Retry}): {Message}",
            [new("Key", "team-a/llama"), new("Retry", 3), new("Message", "HTTP 422 Unprocessable Entity: \"quoted\"\nsecond line")], scopes, null);

        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.Single(line.TrimEnd('\n').Split('\n'));
        using var doc = JsonDocument.Parse(line);
        var o = doc.RootElement;
        Assert.Equal("2026-12-05T08:11:12.345Z", o.GetProperty("ts").GetString());
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 8, 11, 12, 345, TimeSpan.Zero), DateTimeOffset.Parse(o.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal("warn", o.GetProperty("level").GetString());
        Assert.Equal("LlmKube.ControllerRuntime.Controller.inferenceservice", o.GetProperty("logger").GetString());
        Assert.StartsWith("Reconcile of team-a/llama failed (retry 3): HTTP 422", o.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal(("inferenceservice", "team-a", "llama", id.ToString()),
            (o.GetProperty("controller").GetString(), o.GetProperty("namespace").GetString(), o.GetProperty("name").GetString(), o.GetProperty("reconcileID").GetString()));
        Assert.Equal(3, o.GetProperty("retry").GetInt32());
        Assert.False(o.TryGetProperty("stacktrace", out _));
        Assert.False(o.TryGetProperty("{OriginalFormat}", out _));
    }

    [Fact]
    public void A_defect_keeps_its_stack_trace_and_an_api_answer_does_not()
    {
        Exception bug;
        try
        {
            throw new InvalidOperationException("boom");
        }
        catch (InvalidOperationException e)
        {
            bug = e;
        }

        using var withStack = JsonDocument.Parse(Write(LogFormat.Json, LogLevel.Error, "failed", [], null, ApiErrors.StackWorthy(bug)));
        Assert.Equal("boom", withStack.RootElement.GetProperty("error").GetString());
        Assert.Contains(nameof(A_defect_keeps_its_stack_trace_and_an_api_answer_does_not), withStack.RootElement.GetProperty("stacktrace").GetString(), StringComparison.Ordinal);

        var conflict = new HttpOperationException("Operation returned an invalid status code 'Conflict'")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.Conflict), """{"kind":"Status","message":"the object has been modified"}"""),
        };
        Assert.Null(ApiErrors.StackWorthy(conflict));
        Assert.Equal("HTTP 409 Conflict: the object has been modified", ApiErrors.Describe(conflict));
        var oneLine = Write(LogFormat.Json, LogLevel.Warning, "failed: {Error}", [new("Error", ApiErrors.Describe(conflict))], null, ApiErrors.StackWorthy(conflict));
        using var doc = JsonDocument.Parse(oneLine);
        Assert.False(doc.RootElement.TryGetProperty("stacktrace", out _));
    }

    [Fact]
    public void A_field_never_replaces_the_lines_own_keys_or_an_earlier_field_and_plain_scopes_count()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var reconcile = scopes.Push(new ReconcileScope("model", new ObjectKey("ns", "m"), Guid.Empty));
        using var plain = scopes.Push(new Dictionary<string, object> { ["Attempt"] = 2, ["namespace"] = "other" });

        var line = Write(LogFormat.Json, LogLevel.Information, "{Msg} {Level} {Namespace} {ÉtatFinal} {sizeBytes}",
            [new("Msg", "m"), new("Level", "l"), new("Namespace", "template"), new("ÉtatFinal", "prêt"), new("sizeBytes", 42L)], scopes, null);

        using var doc = JsonDocument.Parse(line);
        var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["ts", "level", "logger", "msg", "controller", "namespace", "name", "reconcileID", "attempt", "étatFinal", "sizeBytes"], keys);
        Assert.Equal(("info", "m l template prêt 42", "ns", 2, "prêt", 42),
            (doc.RootElement.GetProperty("level").GetString(), doc.RootElement.GetProperty("msg").GetString(), doc.RootElement.GetProperty("namespace").GetString(),
             doc.RootElement.GetProperty("attempt").GetInt32(), doc.RootElement.GetProperty("étatFinal").GetString(), doc.RootElement.GetProperty("sizeBytes").GetInt32()));
    }

    [Fact]
    public void Text_is_one_readable_line_with_the_scope()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var _ = scopes.Push(new ReconcileScope("model", new ObjectKey("ns", "m"), Guid.Empty));

        var line = Write(LogFormat.Text, LogLevel.Information, "Controller {Controller} started", [new("Controller", "model")], scopes, null);

        Assert.Equal($"2026-12-05T08:11:12.345Z INFO  inferenceservice  Controller model started  controller=model  namespace=ns  name=m  reconcileID={Guid.Empty}\n", line);
    }

    private string Write(LogFormat format, LogLevel level, string template, KeyValuePair<string, object?>[] values, IExternalScopeProvider? scopes, Exception? exception)
    {
        var formatter = new OperatorConsoleFormatter(new Monitor(new OperatorConsoleFormatterOptions { Format = format, TimeProvider = _time }));
        var state = new List<KeyValuePair<string, object?>>(values) { new("{OriginalFormat}", template) };
        var message = values.Aggregate(template, (text, v) => text.Replace("{" + v.Key + "}", Convert.ToString(v.Value, CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var entry = new LogEntry<List<KeyValuePair<string, object?>>>(level, "LlmKube.ControllerRuntime.Controller.inferenceservice", default, state, exception, (_, _) => message);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Write(entry, scopes, writer);
        return writer.ToString();
    }

    private sealed class Monitor(OperatorConsoleFormatterOptions value) : IOptionsMonitor<OperatorConsoleFormatterOptions>
    {
        public OperatorConsoleFormatterOptions CurrentValue => value;

        public OperatorConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<OperatorConsoleFormatterOptions, string?> listener) => null;
    }
}

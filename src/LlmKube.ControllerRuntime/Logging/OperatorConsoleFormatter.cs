using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace LlmKube.ControllerRuntime;

/// <summary>How log lines are written.</summary>
public enum LogFormat
{
    /// <summary>One JSON object per line, with the keys of controller-runtime's zap encoder (for log pipelines).</summary>
    Json,

    /// <summary>One readable line per entry (for a terminal).</summary>
    Text,
}

/// <summary>Options of <see cref="OperatorConsoleFormatter"/>.</summary>
public sealed class OperatorConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>JSON lines or text.</summary>
    public LogFormat Format { get; set; } = LogFormat.Json;

    /// <summary>Clock of the timestamps (tests pin it).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>
/// Writes each entry as one line. JSON: <c>{"ts":"2026-12-05T10:11:12.345Z","level":"info","logger":"…","msg":"…",
/// "controller":"…","namespace":"…","name":"…","reconcileID":"…", …}</c>: the keys of controller-runtime's zap JSON
/// encoder with RFC 3339 UTC timestamps, scope fields (<see cref="ReconcileScope"/>) and message-template values as
/// top-level keys (first letter lower-cased), and for an exception <c>error</c> (its message) and <c>stacktrace</c>.
/// Expected API failures are logged without an exception (see <see cref="ApiErrors"/>), so they stay one line.
/// Text: <c>2026-12-05T10:11:12.345Z INFO  logger  message  key=value …</c>, with a stack trace on the lines below.
/// </summary>
public sealed class OperatorConsoleFormatter : ConsoleFormatter
{
    /// <summary>The formatter's registered name.</summary>
    public const string FormatterName = "llmkube";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly OperatorConsoleFormatterOptions _options;

    /// <summary>Creates the formatter.</summary>
    public OperatorConsoleFormatter(IOptionsMonitor<OperatorConsoleFormatterOptions> options)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.CurrentValue;
    }

    /// <summary>zap's level names (<c>trace</c> and <c>critical</c> have no zap equivalent and keep .NET's meaning).</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter(logEntry.State, null);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var fields = Fields(logEntry.State, scopeProvider);
        Span<char> buffer = stackalloc char[TimestampLength];
        _options.TimeProvider.GetUtcNow().UtcDateTime.TryFormat(buffer, out var written, TimestampFormat, CultureInfo.InvariantCulture);
        ReadOnlySpan<char> ts = buffer[..written];
        if (_options.Format == LogFormat.Json)
        {
            WriteJson(textWriter, ts, logEntry.LogLevel, logEntry.Category, message, fields, logEntry.Exception);
        }
        else
        {
            WriteText(textWriter, ts.ToString(), logEntry.LogLevel, logEntry.Category, message, fields, logEntry.Exception);
        }
    }

    // RFC 3339 in UTC with milliseconds, as zap writes it: 2026-12-05T10:11:12.345Z.
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    private const int TimestampLength = 24;

    /// <summary>The keys the line itself writes: a field of the same name (first letter lower-cased) is left out.</summary>
    private static readonly string[] LineKeys = ["ts", "level", "logger", "msg", "error", "stacktrace"];

    // Every reconcile logs through here, so the fields are gathered without a set, a closure or a string per key
    // that is already lower-case (a line used to allocate about 9.6 KB; bench/operator/README.md, session 13).
    private static List<KeyValuePair<string, object?>> Fields<TState>(TState state, IExternalScopeProvider? scopes)
    {
        var fields = new List<KeyValuePair<string, object?>>(8);
        scopes?.ForEachScope(static (scope, list) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    Add(list, key, value);
                }
            }
            else if (scope is IEnumerable<KeyValuePair<string, object>> plain)
            {
                foreach (var (key, value) in plain)
                {
                    Add(list, key, value);
                }
            }
        }, fields);
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                Add(fields, key, value);
            }
        }

        return fields;
    }

    /// <summary>Adds a field under its key with the first letter lower-cased, unless the line or an earlier field has that key.</summary>
    private static void Add(List<KeyValuePair<string, object?>> fields, string key, object? value)
    {
        if (key.Length == 0 || key == "{OriginalFormat}")
        {
            return;
        }

        var first = char.ToLowerInvariant(key[0]);
        var name = first == key[0] ? key : string.Create(key.Length, (key, first), static (span, k) =>
        {
            k.key.AsSpan().CopyTo(span);
            span[0] = k.first;
        });
        if (Array.IndexOf(LineKeys, name) >= 0)
        {
            return;
        }

        foreach (var field in fields)
        {
            if (field.Key == name)
            {
                return;
            }
        }

        fields.Add(new(name, value));
    }

    private static void WriteJson(TextWriter writer, ReadOnlySpan<char> ts, LogLevel level, string category, string message, List<KeyValuePair<string, object?>> fields, Exception? exception)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("ts", ts);
            json.WriteString("level", LevelName(level));
            json.WriteString("logger", category);
            json.WriteString("msg", message);
            foreach (var (key, value) in fields)
            {
                json.WritePropertyName(key);
                WriteValue(json, value);
            }

            if (exception is not null)
            {
                json.WriteString("error", exception.Message);
                json.WriteString("stacktrace", exception.ToString());
            }

            json.WriteEndObject();
        }

        // Straight into the writer's characters: no string of the line in between.
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(buffer.WrittenCount) + 1);
        try
        {
            var length = Encoding.UTF8.GetChars(buffer.WrittenSpan, chars);
            chars[length] = '\n';
            writer.Write(chars, 0, length + 1);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case int or long or short or byte or uint or ulong or ushort:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(d))
                {
                    json.WriteNumberValue(d);
                }
                else
                {
                    json.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                }

                break;
            default:
                json.WriteStringValue(Text(value));
                break;
        }
    }

    private static string Text(object? value) => value switch
    {
        null => "null",
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static void WriteText(TextWriter writer, string ts, LogLevel level, string category, string message, List<KeyValuePair<string, object?>> fields, Exception? exception)
    {
        var sb = new StringBuilder(ts.Length + message.Length + 64);
        sb.Append(ts).Append(' ').Append(LevelName(level).ToUpperInvariant().PadRight(5)).Append(' ');
        sb.Append(category[(category.LastIndexOf('.') + 1)..]).Append("  ").Append(message.ReplaceLineEndings(" "));
        foreach (var (key, value) in fields)
        {
            // The message already shows what the template filled in; only scope fields are worth repeating.
            if (key is "controller" or "namespace" or "name" or "reconcileID")
            {
                sb.Append("  ").Append(key).Append('=').Append(Text(value));
            }
        }

        writer.Write(sb.Append('\n').ToString());
        if (exception is not null)
        {
            writer.Write(exception.ToString());
            writer.Write('\n');
        }
    }
}

/// <summary>Registers <see cref="OperatorConsoleFormatter"/>.</summary>
public static class OperatorLogging
{
    /// <summary>Console logging in <paramref name="format"/> at <paramref name="level"/> and above.</summary>
    public static ILoggingBuilder AddOperatorConsole(this ILoggingBuilder builder, LogFormat format, LogLevel level, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .SetMinimumLevel(level)
            .AddConsole(o => o.FormatterName = OperatorConsoleFormatter.FormatterName)
            .AddConsoleFormatter<OperatorConsoleFormatter, OperatorConsoleFormatterOptions>(o =>
            {
                o.Format = format;
                o.IncludeScopes = true;
                o.TimeProvider = timeProvider ?? TimeProvider.System;
            });
    }
}

using LlmKube.ControllerRuntime;
using Microsoft.Extensions.Logging;

namespace LlmKube.Operator.Configuration;

/// <summary>
/// The logging flags: ours (<c>--log-format</c>, <c>--log-level</c>) and upstream's controller-runtime zap flags, so
/// a migrated chart or manifest keeps starting. Precedence: ours, then the zap flag of the same meaning, then
/// <c>--zap-devel</c> (text, debug), then the defaults (JSON unless standard output is a terminal; info).
/// </summary>
public static class LogFlags
{
    public static readonly string[] Levels = ["trace", "debug", "info", "warn", "error", "critical"];
    public static readonly string[] ZapLevels = ["debug", "info", "warn", "error", "dpanic", "panic", "fatal"];
    public static readonly string[] ZapStacktraceLevels = ["info", "error", "panic"];
    public static readonly string[] ZapTimeEncodings = ["epoch", "millis", "nano", "iso8601", "rfc3339", "rfc3339nano"];

    /// <summary><c>--log-level</c>: our names, .NET's (<c>Information</c>, <c>Warning</c>) and zap's, any case.</summary>
    public static LogLevel? ParseLevel(string text) => text.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" or "dpanic" or "panic" or "fatal" => LogLevel.Critical,
        _ => null,
    };

    /// <summary><c>--zap-log-level</c>: a zap level name, or a verbosity N &gt; 0 (V(N) lines: 1 is debug, more is trace).</summary>
    public static LogLevel? ParseZapLevel(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var verbosity)
            ? verbosity switch { 0 => LogLevel.Information, 1 => LogLevel.Debug, > 1 => LogLevel.Trace, _ => null }
            : ZapLevels.Contains(text, StringComparer.Ordinal) ? ParseLevel(text) : null;

    public static LogFormat? ParseFormat(string text) => text switch
    {
        "json" => LogFormat.Json,
        "text" => LogFormat.Text,
        _ => null,
    };

    /// <summary><c>--zap-encoder</c>: json or console.</summary>
    public static LogFormat? ParseZapEncoder(string text) => text switch
    {
        "json" => LogFormat.Json,
        "console" => LogFormat.Text,
        _ => null,
    };
}

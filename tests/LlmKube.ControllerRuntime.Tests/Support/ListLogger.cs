using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>One log call as the code made it: level, category, rendered message, exception.</summary>
public sealed record LogLine(LogLevel Level, string Category, string Message, Exception? Exception);

/// <summary>Keeps every log call, to assert what code logs and how (with or without an exception).</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogLine> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Lines.Enqueue(new LogLine(logLevel, category, formatter(state, null), exception));
    }
}

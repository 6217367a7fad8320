using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Grey.Edge.Uplink.Nats.Tests.Support;

/// <summary>Keeps every log line (message and exception text), at every level, so a test can search them for secrets.</summary>
public sealed class ListLoggerFactory : ILoggerFactory
{
    /// <summary>Everything logged.</summary>
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>All lines joined.</summary>
    public string Text => string.Join('\n', Lines);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}

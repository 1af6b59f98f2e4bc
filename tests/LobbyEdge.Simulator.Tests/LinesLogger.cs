using LobbyEdge.Simulator.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Simulator.Tests;

/// <summary>A narrator's log that keeps every line, formatted as a reader would see it.</summary>
internal sealed class LinesLogger : ILogger<LobbyNarrator>
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add(formatter(state, exception));
}

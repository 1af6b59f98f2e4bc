using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using LobbyEdge.Engine;

namespace LobbyEdge.Service;

/// <summary>
/// A command on its way through the channel to the engine loop, and the awaitable its sender waits on.
/// Pooled and reused, so a command's trip through the channel needs no new request object and no Task.
/// </summary>
/// <remarks>
/// Its <see cref="ValueTask{TResult}"/> must be awaited exactly once: awaiting it hands the request back to the
/// pool. Continuations run asynchronously, so a sender's code never runs on the engine loop.
/// </remarks>
internal sealed class CommandRequest : IValueTaskSource<CommandOutcome>
{
    private readonly CommandRequestPool? _pool;
    private ManualResetValueTaskSourceCore<CommandOutcome> _core;

    public CommandRequest(CommandRequestPool? pool)
    {
        _pool = pool;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>The command to carry out.</summary>
    public Command Command { get; set; }

    /// <summary>The awaitable for the current use of this request.</summary>
    public ValueTask<CommandOutcome> Outcome => new(this, _core.Version);

    public void Complete(in CommandOutcome outcome) => _core.SetResult(outcome);

    public void Fail(Exception error) => _core.SetException(error);

    public CommandOutcome GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Command = default;
            _pool?.Return(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>Free <see cref="CommandRequest"/>s, up to a bound so that a burst does not pin memory for ever.</summary>
internal sealed class CommandRequestPool(int maxFree)
{
    private readonly ConcurrentQueue<CommandRequest> _free = new();
    private int _freeCount;

    public CommandRequest Rent()
    {
        if (_free.TryDequeue(out CommandRequest? request))
        {
            Interlocked.Decrement(ref _freeCount);
            return request;
        }

        return new CommandRequest(this);
    }

    public void Return(CommandRequest request)
    {
        if (Interlocked.Increment(ref _freeCount) <= maxFree)
        {
            _free.Enqueue(request);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }
}

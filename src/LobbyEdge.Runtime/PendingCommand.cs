using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using LobbyEdge.Engine;

namespace LobbyEdge.Runtime;

/// <summary>
/// A command on its way through the <see cref="LobbyCommandChannel"/> to the engine loop, and the awaitable its
/// sender waits on. Pooled and reused, so a command's trip through the channel needs no new object and no Task.
/// </summary>
/// <remarks>
/// Only the channel's reader (the engine loop) calls <see cref="Complete"/> or <see cref="Fail"/>, exactly once per
/// command read. The sender's <see cref="ValueTask{TResult}"/> is awaited exactly once: awaiting it hands the object
/// back to the pool. Continuations run asynchronously, so a sender's code never runs on the engine loop.
/// </remarks>
public sealed class PendingCommand : IValueTaskSource<CommandOutcome>
{
    private readonly PendingCommandPool? _pool;
    private ManualResetValueTaskSourceCore<CommandOutcome> _core;

    internal PendingCommand(PendingCommandPool? pool, bool isTick = false)
    {
        _pool = pool;
        IsTick = isTick;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>The command to carry out (default for the tick marker).</summary>
    public Command Command { get; internal set; }

    /// <summary>
    /// True for the channel's timer tick: not a command, nobody awaits it; the loop runs the engine's timers
    /// instead and neither completes nor fails it.
    /// </summary>
    public bool IsTick { get; }

    /// <summary>The awaitable for the current use of this object.</summary>
    internal ValueTask<CommandOutcome> Outcome => new(this, _core.Version);

    /// <summary>Releases the sender with the engine's outcome (after the batch's events are durable).</summary>
    /// <param name="outcome">What the engine made of the command.</param>
    public void Complete(in CommandOutcome outcome) => _core.SetResult(outcome);

    /// <summary>Releases the sender with an error: the command was not carried out, or its events may not be durable.</summary>
    /// <param name="error">What the sender's await throws (an <see cref="EngineStoppedException"/>).</param>
    public void Fail(Exception error) => _core.SetException(error);

    /// <inheritdoc />
    CommandOutcome IValueTaskSource<CommandOutcome>.GetResult(short token)
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

    /// <inheritdoc />
    ValueTaskSourceStatus IValueTaskSource<CommandOutcome>.GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    void IValueTaskSource<CommandOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>Free <see cref="PendingCommand"/>s, up to a bound so that a burst does not pin memory for ever.</summary>
internal sealed class PendingCommandPool(int maxFree)
{
    private readonly ConcurrentQueue<PendingCommand> _free = new();
    private int _freeCount;

    public PendingCommand Rent()
    {
        if (_free.TryDequeue(out PendingCommand? request))
        {
            Interlocked.Decrement(ref _freeCount);
            return request;
        }

        return new PendingCommand(this);
    }

    public void Return(PendingCommand request)
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

using System.Threading.Channels;
using LobbyEdge.Engine;

namespace LobbyEdge.Runtime;

/// <summary>
/// The one bounded channel into the queue engine. Its writer side is <see cref="ILobbyCommands"/>, shared by every
/// producer (devices, pages, head office, the simulator); its reader side belongs to the engine loop, the single
/// writer of queue state, and nobody else. The timer tick travels through the same channel, so a tick and a command
/// never run at once.
/// </summary>
/// <remarks>
/// <para>
/// Splitting the channel from the loop keeps the composition acyclic: a producer needs only this channel, never the
/// loop, and the loop needs the channel and the sinks (some of which are producers too).
/// </para>
/// <para>
/// Fail closed: after <see cref="Stop"/> every queued and every later command is refused with the same
/// <see cref="EngineStoppedException"/> (a fresh copy per sender), and nothing more is run.
/// </para>
/// </remarks>
public sealed class LobbyCommandChannel : ILobbyCommands
{
    /// <summary>Commands that may wait in the channel; a sender past it waits for room.</summary>
    public const int Capacity = 1024;

    private readonly Channel<PendingCommand> _channel;
    private readonly PendingCommandPool _pool = new(Capacity);

    // The tick marker: at most one is in the channel at a time, so a full channel or a slow loop never piles up ticks.
    private readonly PendingCommand _tick = new(pool: null, isTick: true);
    private int _tickQueued;

    // Set once, by the fault that stops the loop; from then on every sender is refused with a copy of it.
    private EngineStoppedException? _stopped;

    /// <summary>Creates an empty, open channel.</summary>
    public LobbyCommandChannel()
    {
        _channel = Channel.CreateBounded<PendingCommand>(new BoundedChannelOptions(Capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,

            // Continuations of waiting writers must not run on the engine loop.
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>Why the engine stopped after a fault (a failed commit of the event log, ...), or null.</summary>
    public EngineStoppedException? StoppedBy => Volatile.Read(ref _stopped);

    /// <inheritdoc />
    /// <exception cref="EngineStoppedException">The loop stopped after a fault (e.g. <c>branch storage full</c>): the command was not carried out.</exception>
    public ValueTask<CommandOutcome> SendAsync(Command command, CancellationToken cancellationToken = default)
    {
        if (StoppedBy is { } stopped)
        {
            // Fail closed: once a commit has failed the engine's state is ahead of the log, so nothing more is run.
            return ValueTask.FromException<CommandOutcome>(stopped.Again());
        }

        PendingCommand request = _pool.Rent();
        request.Command = command;
        ValueTask write = _channel.Writer.WriteAsync(request, cancellationToken);
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            return request.Outcome;
        }

        return SendWhenRoomAsync(write, request);
    }

    private async ValueTask<CommandOutcome> SendWhenRoomAsync(ValueTask write, PendingCommand request)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Never queued, so never completed: it can go straight back.
            _pool.Return(request);
            if (e is ChannelClosedException && StoppedBy is { } stopped)
            {
                throw stopped.Again();
            }

            throw;
        }

        return await request.Outcome.ConfigureAwait(false);
    }

    /// <summary>
    /// Queues the timer tick unless one is already waiting (the engine loop's ticker calls this every second).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for room.</param>
    /// <exception cref="ChannelClosedException">The channel is closed (an <see cref="EngineStoppedException"/> after <see cref="Stop"/>).</exception>
    public ValueTask PostTickAsync(CancellationToken cancellationToken)
    {
        if (StoppedBy is { } stopped)
        {
            return ValueTask.FromException(stopped.Again());
        }

        if (Interlocked.Exchange(ref _tickQueued, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        return _channel.Writer.WriteAsync(_tick, cancellationToken);
    }

    /// <summary>For the engine loop: waits until something can be read or the channel is closed and empty.</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>False once the channel is closed and drained.</returns>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>For the engine loop: takes the next queued command or tick.</summary>
    /// <param name="pending">The command (complete or fail it exactly once) or the tick marker (<see cref="PendingCommand.IsTick"/>).</param>
    /// <returns>False when nothing is queued.</returns>
    public bool TryRead(out PendingCommand pending)
    {
        if (!_channel.Reader.TryRead(out PendingCommand? read))
        {
            pending = null!;
            return false;
        }

        if (read.IsTick)
        {
            Volatile.Write(ref _tickQueued, 0);
        }

        pending = read;
        return true;
    }

    /// <summary>For the engine loop: whether anything is still queued (while draining at stop).</summary>
    public bool HasQueued => _channel.Reader.TryPeek(out _);

    /// <summary>
    /// For the engine loop, at an orderly stop: takes no more commands (senders then get a
    /// <see cref="ChannelClosedException"/>); what is already queued is still read.
    /// </summary>
    public void CompleteWriting() => _channel.Writer.TryComplete();

    /// <summary>
    /// For the engine loop, after a fault: refuses everything from now on with <paramref name="refusal"/> (or the
    /// refusal of an earlier fault, which wins), fails every command still queued, and closes the channel.
    /// </summary>
    /// <param name="refusal">Why the engine stopped.</param>
    /// <returns>The refusal in force.</returns>
    public EngineStoppedException Stop(EngineStoppedException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        _ = Interlocked.CompareExchange(ref _stopped, refusal, null);
        EngineStoppedException stopped = _stopped!;
        _channel.Writer.TryComplete(stopped);
        while (_channel.Reader.TryRead(out PendingCommand? request))
        {
            if (!request.IsTick)
            {
                request.Fail(stopped.Again());
            }
        }

        return stopped;
    }
}

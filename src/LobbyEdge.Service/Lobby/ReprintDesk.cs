using System.Collections.Concurrent;
using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Lobby;

/// <summary>A ticket's slip as it is printed again.</summary>
/// <param name="Ticket">The printed number, e.g. A023.</param>
/// <param name="TicketIndex">The engine's ticket id (goes into the QR code).</param>
/// <param name="Service">The ticket's service now (a diverted ticket prints its new service).</param>
/// <param name="Tier">The ticket's tier now.</param>
/// <param name="IssuedAt">When the ticket was first issued (the slip prints this, not the reprint's time, as the issue time).</param>
/// <param name="ReprintedAt">When it was reprinted (the <c>TicketReprinted</c> event's time).</param>
/// <param name="ReprintNumber">1 for the first reprint of this ticket, 2 for the second, …</param>
/// <param name="Staff">Who asked (staff id, 0 when none).</param>
public sealed record ReprintSlip(string Ticket, int TicketIndex, ServiceConfig Service, Tier Tier, DateTimeOffset IssuedAt, DateTimeOffset ReprintedAt, int ReprintNumber, int Staff);

/// <summary>
/// The printer reprints come out of. The devices layer provides the real one (the kiosk's printer, else the
/// branch's first printer); without a printer nothing can be reprinted and every reprint says so.
/// </summary>
public interface IReprintPrinter
{
    /// <summary>The printer's device id, or null when the branch has none.</summary>
    public string? PrinterId { get; }

    /// <summary>Prints the slip again.</summary>
    /// <exception cref="KioskPrintException">The slip did not come out; the message says why (e.g. "printer out of paper").</exception>
    public ValueTask PrintAsync(ReprintSlip slip, CancellationToken cancellationToken);
}

/// <summary>No printer: a reprint is recorded but nothing can print it.</summary>
public sealed class NoReprintPrinter : IReprintPrinter
{
    /// <inheritdoc />
    public string? PrinterId => null;

    /// <inheritdoc />
    public ValueTask PrintAsync(ReprintSlip slip, CancellationToken cancellationToken) =>
        throw new KioskPrintException("the branch has no ticket printer");
}

/// <summary>What became of a reprint.</summary>
/// <param name="Ticket">The engine's ticket id.</param>
/// <param name="Number">The printed number (e.g. A023), empty when the engine refused.</param>
/// <param name="Accepted">Whether the engine recorded the reprint (false: see <paramref name="Refusal"/>; nothing printed).</param>
/// <param name="Refusal">The engine's reason when it refused (<c>DayNotOpen</c>, <c>UnknownTicket</c>, <c>TicketEnded</c>).</param>
/// <param name="ReprintNumber">The reprint's number for this ticket (1 = first), 0 when refused.</param>
/// <param name="Printed">Whether the slip came out of the printer.</param>
/// <param name="Printer">The printer's device id, null when the branch has none.</param>
/// <param name="Reason">Why it did not print (e.g. "printer out of paper"), empty when printed.</param>
public readonly record struct ReprintOutcome(int Ticket, string Number, bool Accepted, RefusalReason Refusal, int ReprintNumber, bool Printed, string? Printer, string Reason);

/// <summary>
/// Prints a ticket's slip again when the engine records <see cref="EventKind.TicketReprinted"/> (e.g. the lobby
/// console's <c>Command.Reprint(ticket, staff)</c>), marked <c>补打 / REPRINT</c> with the ticket's service, number,
/// tier and original issue time, at the <see cref="IReprintPrinter"/>. Only durable events are printed (after the
/// batch's commit), off the engine loop, one at a time, in order.
/// </summary>
/// <remarks>
/// The console either calls <see cref="ReprintAsync"/> (sends the command and waits for the printer: one
/// <see cref="ReprintOutcome"/> says refused, printed, or not printed and why), or sends the command itself and
/// awaits <see cref="OutcomeAsync"/> with the command's <see cref="CommandOutcome.LastSequence"/>; every outcome is
/// also raised as <see cref="Printed"/> (e.g. for the console's live feed). A printer that is off line, out of paper
/// or silent is a failed outcome with the printer's reason after its own timeouts (a few seconds), never a hang.
/// </remarks>
public sealed partial class ReprintDesk : BackgroundService, IEngineEventSink
{
    private readonly QueueEngine _engine;
    private readonly BranchConfig _config;
    private readonly IReprintPrinter _printer;
    private readonly ILobbyCommands _commands;
    private readonly ILogger<ReprintDesk> _logger;
    private readonly List<(long Sequence, ReprintSlip Slip)> _batch = [];
    private readonly Channel<(long Sequence, ReprintSlip Slip)> _jobs = Channel.CreateUnbounded<(long, ReprintSlip)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, (int Ticket, TaskCompletionSource<ReprintOutcome> Done)> _pending = new();

    /// <summary>Creates the desk over the engine (read on the engine loop only), the printer and the command channel.</summary>
    public ReprintDesk(QueueEngine engine, BranchConfig config, IReprintPrinter printer, ILobbyCommands commands, ILogger<ReprintDesk> logger)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(printer);
        ArgumentNullException.ThrowIfNull(commands);
        _engine = engine;
        _config = config;
        _printer = printer;
        _commands = commands;
        _logger = logger;
    }

    /// <summary>Raised (off the engine loop) with every reprint's outcome once the printer has answered.</summary>
    public event Action<ReprintOutcome>? Printed;

    /// <summary>
    /// Asks the engine to reprint <paramref name="ticket"/> for <paramref name="staff"/> and waits for the printer.
    /// </summary>
    /// <exception cref="ChannelClosedException">The engine loop has stopped.</exception>
    public async Task<ReprintOutcome> ReprintAsync(int ticket, int staff, CancellationToken cancellationToken)
    {
        CommandOutcome outcome = await _commands.SendAsync(Command.Reprint(ticket, staff), cancellationToken).ConfigureAwait(false);
        return outcome.Result.Accepted
            ? await OutcomeAsync(ticket, outcome.LastSequence, cancellationToken).ConfigureAwait(false)
            : new ReprintOutcome(ticket, "", false, outcome.Result.Refusal, 0, false, _printer.PrinterId, "");
    }

    /// <summary>
    /// The outcome of the latest reprint of <paramref name="ticket"/> recorded at or before <paramref name="upToSequence"/>
    /// (the accepted command's <see cref="CommandOutcome.LastSequence"/>), once printed or failed.
    /// </summary>
    /// <exception cref="InvalidOperationException">No reprint of the ticket up to that sequence is known.</exception>
    public Task<ReprintOutcome> OutcomeAsync(int ticket, long upToSequence, CancellationToken cancellationToken)
    {
        long best = -1;
        foreach ((long sequence, (int t, _)) in _pending)
        {
            if (t == ticket && sequence <= upToSequence && sequence > best)
            {
                best = sequence;
            }
        }

        return best < 0
            ? throw new InvalidOperationException($"no reprint of ticket {ticket} up to event {upToSequence}")
            : _pending[best].Done.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            if (e.Kind != EventKind.TicketReprinted || !_engine.TryGetTicket(e.Ticket, out TicketView ticket))
            {
                continue;
            }

            TicketReprintedView reprint = e.AsTicketReprinted();
            ServiceConfig service = _config.Services[e.Service];
            var slip = new ReprintSlip(
                _config.Services[e.NumberService].FormatNumber(e.Number),
                e.Ticket,
                service,
                e.Tier,
                new DateTimeOffset(ticket.IssuedTicks, TimeSpan.Zero),
                new DateTimeOffset(e.TimeUtc),
                reprint.ReprintNumber,
                reprint.Staff);
            _batch.Add((e.Sequence, slip));
            _pending[e.Sequence] = (e.Ticket, new TaskCompletionSource<ReprintOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        // The log has committed the batch (it is the first sink): only durable reprints are printed.
        foreach ((long Sequence, ReprintSlip Slip) job in _batch)
        {
            _jobs.Writer.TryWrite(job);
        }

        _batch.Clear();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach ((long sequence, ReprintSlip slip) in _jobs.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                ReprintOutcome outcome;
                try
                {
                    await _printer.PrintAsync(slip, stoppingToken).ConfigureAwait(false);
                    outcome = new ReprintOutcome(slip.TicketIndex, slip.Ticket, true, default, slip.ReprintNumber, true, _printer.PrinterId, "");
                    Log.Reprinted(_logger, slip.Ticket, slip.ReprintNumber, _printer.PrinterId ?? "");
                }
                catch (KioskPrintException e)
                {
                    outcome = new ReprintOutcome(slip.TicketIndex, slip.Ticket, true, default, slip.ReprintNumber, false, _printer.PrinterId, e.Message);
                    Log.NotReprinted(_logger, slip.Ticket, slip.ReprintNumber, _printer.PrinterId ?? "none", e.Message);
                }

                Finish(sequence, outcome);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whoever still waits learns that nothing was printed.
            foreach (long sequence in _pending.Keys)
            {
                (int ticket, _) = _pending[sequence];
                Finish(sequence, new ReprintOutcome(ticket, "", true, default, 0, false, _printer.PrinterId, "the service is stopping"));
            }
        }
    }

    private void Finish(long sequence, ReprintOutcome outcome)
    {
        // Kept for a while after it is done, so a caller that asks a moment late still finds it.
        if (_pending.TryGetValue(sequence, out var entry))
        {
            entry.Done.TrySetResult(outcome);
        }

        foreach (long old in _pending.Keys)
        {
            if (old < sequence - 10_000 && _pending.TryGetValue(old, out var done) && done.Done.Task.IsCompleted)
            {
                _pending.TryRemove(old, out _);
            }
        }

        Printed?.Invoke(outcome);
    }

    private static partial class Log
    {
        [LoggerMessage(1111, LogLevel.Information, "Reprint {Reprint} of ticket {Number} printed at {Printer}")]
        public static partial void Reprinted(ILogger logger, string number, int reprint, string printer);

        [LoggerMessage(1112, LogLevel.Warning, "Reprint {Reprint} of ticket {Number} not printed at {Printer}: {Reason}")]
        public static partial void NotReprinted(ILogger logger, string number, int reprint, string printer, string reason);
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Printer;

/// <summary>How the ESC/POS driver polls and prints.</summary>
public sealed record PrinterSettings
{
    /// <summary>How often an idle printer is asked for its status (DLE EOT).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one DLE EOT reply may take.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Status polls in a row without any reply before the printer is reported off line.</summary>
    public int MissedPollsOffline { get; init; } = 2;

    /// <summary>Turn on Automatic Status Back (GS a) so the printer reports changes by itself.</summary>
    public bool AutomaticStatusBack { get; init; } = true;

    /// <summary>QR module size in dots (GS ( k fn 167), 1..16.</summary>
    public byte QrModuleSize { get; init; } = 6;

    /// <summary>Bytes per write: a ticket is written in pieces, each with the line's write timeout.</summary>
    public int WriteChunk { get; init; } = 256;

    /// <summary>The character set of the printer's Chinese mode (profile <c>encoding: gb18030 | gbk</c>).</summary>
    public PrinterEncoding Encoding { get; init; } = PrinterEncoding.Gb18030;
}

/// <summary>The result of a print request.</summary>
/// <param name="Printed">
/// The printer confirmed the ticket: every status asked after the cut was answered, and none shows paper end, cover
/// open, an error or off line. False for anything else between the request and that answer.
/// </param>
/// <param name="Status">The printer's status after the attempt.</param>
/// <param name="Reason">Why it did not print (empty when printed).</param>
public readonly record struct PrintOutcome(bool Printed, DeviceStatus Status, string Reason);

/// <summary>
/// An ESC/POS thermal ticket printer on a serial line: polls its status while idle and before each ticket
/// (DLE EOT 1, 2, 4, and 3 when an error is flagged), parses Automatic Status Back frames, reports status changes,
/// and prints tickets only when the printer can (never into a printer out of paper or with its cover open).
/// </summary>
public sealed partial class EscPosPrinter : ISerialProtocol
{
    private readonly DeviceInfo _device;
    private readonly PrinterSettings _settings;
    private readonly IDeviceObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PrintJob> _jobs = Channel.CreateBounded<PrintJob>(new BoundedChannelOptions(32) { SingleReader = true });
    private readonly SemaphoreSlim _reply = new(0);
    private readonly Lock _sync = new();
    private PrinterCondition _condition;
    private DeviceStatus? _reported;
    private string? _reportedReason;
    private PrintJob? _printing;
    private PaperLevel _reportedPaper;
    private volatile bool _online;
    private volatile int _awaitingStatus;
    private int _lastReply = -1;
    private int _missedPolls;
    private long _printed;

    /// <summary>Creates the driver; a <see cref="SerialLink"/> runs it.</summary>
    public EscPosPrinter(DeviceInfo device, PrinterSettings? settings = null, IDeviceObserver? observer = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _device = device;
        _settings = settings ?? new PrinterSettings();
        _observer = observer ?? NullDeviceObserver.Instance;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The printer as a device.</summary>
    public DeviceInfo Device => _device;

    /// <summary>How this printer is driven and what it takes (its character set, its QR module size).</summary>
    public PrinterSettings Settings => _settings;

    /// <summary>What the printer last reported.</summary>
    public PrinterCondition Condition
    {
        get
        {
            lock (_sync)
            {
                return _condition;
            }
        }
    }

    /// <summary>Its status (offline while the line is down).</summary>
    public DeviceStatus Status => _online ? Condition.Status : DeviceStatus.Offline;

    /// <summary>Whether a ticket can be printed now.</summary>
    public bool CanPrint => _online && Condition.CanPrint;

    /// <summary>Why it cannot print, or empty.</summary>
    public string Reason => _online ? Condition.Reason : "printer not connected";

    /// <summary>Tickets printed since start.</summary>
    public long Printed => Interlocked.Read(ref _printed);

    /// <summary>
    /// Prints a ticket: checks a fresh status first and refuses (prints nothing) when the printer does not answer or
    /// cannot print; then writes the ticket (cut included) and asks the status again, and reports it printed only
    /// when that answer confirms it. Bounded by the line's write timeout and three status answer timeouts.
    /// </summary>
    public async ValueTask<PrintOutcome> PrintAsync(ReadOnlyMemory<byte> ticket, CancellationToken cancellationToken = default)
    {
        if (!_online)
        {
            return new PrintOutcome(false, DeviceStatus.Offline, Reason);
        }

        var job = new PrintJob(ticket);
        if (!_jobs.Writer.TryWrite(job))
        {
            return new PrintOutcome(false, Status, "printer busy");
        }

        return await job.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void LineDown(string reason)
    {
        _online = false;
        lock (_sync)
        {
            _condition = default;
        }

        // The ticket being printed when the line went and those waiting for it fail with the line's own reason
        // (the peer closed the connection, the device is gone), the same for every transport.
        string lost = LineLost(reason);
        Interlocked.Exchange(ref _printing, null)?.Done.TrySetResult(new PrintOutcome(false, DeviceStatus.Offline, lost));
        while (_jobs.Reader.TryRead(out PrintJob? job))
        {
            job.Done.TrySetResult(new PrintOutcome(false, DeviceStatus.Offline, lost));
        }

        Report(DeviceStatus.Offline, $"line down: {reason}");
    }

    /// <inheritdoc />
    public async Task RunAsync(SerialSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        using var inner = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task reader = ReadLoopAsync(session.Input, inner.Token);
        Task worker = WorkLoopAsync(session, inner.Token);
        Task first = await Task.WhenAny(reader, worker).ConfigureAwait(false);
        await inner.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(reader, worker).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await first.ConfigureAwait(false);
    }

    private async Task WorkLoopAsync(SerialSession session, CancellationToken cancellationToken)
    {
        await session.WriteAsync(EscPos.Initialize.ToArray(), cancellationToken).ConfigureAwait(false);
        if (_settings.AutomaticStatusBack)
        {
            await session.WriteAsync(EscPos.EnableAutomaticStatusBack.ToArray(), cancellationToken).ConfigureAwait(false);
        }

        _online = true;
        await PollAsync(session, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            bool jobWaiting;
            try
            {
                jobWaiting = await _jobs.Reader.WaitToReadAsync(cancellationToken).AsTask()
                    .WaitAsync(_settings.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                jobWaiting = false;
            }

            if (jobWaiting && _jobs.Reader.TryRead(out PrintJob? job))
            {
                await PrintJobAsync(session, job, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await PollAsync(session, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Why a ticket was not printed when the line went down: <c>printer line down: {the line's reason}</c>.</summary>
    internal static string LineLost(string reason) => $"printer line down: {reason}";

    private async Task PrintJobAsync(SerialSession session, PrintJob job, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _printing, job);
        bool lineFailed = false;
        try
        {
            // Fresh status before every ticket: paper may have run out, or the printer gone quiet, since the last idle
            // poll. A printer that does not answer now gets no ticket.
            if (!await FreshStatusAsync(session, cancellationToken).ConfigureAwait(false))
            {
                Fail(job, DeviceStatus.Offline, "printer not answering");
                return;
            }

            PrinterCondition before = Condition;
            if (!before.CanPrint)
            {
                Fail(job, before.Status, before.Reason);
                return;
            }

            ReadOnlyMemory<byte> bytes = job.Bytes;
            for (int i = 0; i < bytes.Length; i += _settings.WriteChunk)
            {
                await session.WriteAsync(bytes.Slice(i, Math.Min(_settings.WriteChunk, bytes.Length - i)), cancellationToken).ConfigureAwait(false);
            }

            // The ticket counts as printed only when the printer's status after the cut confirms it: every status
            // asked for answered, and nothing (paper end, cover open, an error, off line) that stops a ticket.
            if (!await FreshStatusAsync(session, cancellationToken).ConfigureAwait(false))
            {
                Fail(job, DeviceStatus.Offline, "printer did not confirm the ticket (no status after the cut)");
                return;
            }

            PrinterCondition after = Condition;
            if (!after.CanPrint)
            {
                Fail(job, after.Status, $"printer did not confirm the ticket ({after.Reason})");
                return;
            }

            Interlocked.Increment(ref _printed);
            job.Done.TrySetResult(new PrintOutcome(true, after.Status, ""));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            // The line failed under the ticket (a write, or the session cancelled because the read side saw the
            // line end): the link ends the session and calls LineDown with the reason, which fails the job with it.
            // The exception's own text ("The operation was canceled.") says nothing to a customer.
            lineFailed = true;
            throw;
        }
        catch
        {
            Fail(job, DeviceStatus.Offline, "printer driver fault");
            throw;
        }
        finally
        {
            if (!lineFailed)
            {
                Interlocked.CompareExchange(ref _printing, null, job);
            }
        }
    }

    /// <summary>
    /// Polls until every status asked for is answered, at most <see cref="PrinterSettings.MissedPollsOffline"/> times
    /// (as many as make a printer off line: one missed answer, e.g. while it cuts, is not yet a dead printer).
    /// </summary>
    private async Task<bool> FreshStatusAsync(SerialSession session, CancellationToken cancellationToken)
    {
        for (int poll = 0; poll < Math.Max(1, _settings.MissedPollsOffline); poll++)
        {
            if (await PollAsync(session, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    private void Fail(PrintJob job, DeviceStatus status, string reason)
    {
        Log.Refused(_logger, _device.Id, reason);
        job.Done.TrySetResult(new PrintOutcome(false, status, reason));
    }

    /// <summary>
    /// Asks DLE EOT 1, 2, 4 (and 3 when an error is flagged); reports a status change. True when every status asked
    /// for was answered (a fresh, complete picture of the printer).
    /// </summary>
    private async Task<bool> PollAsync(SerialSession session, CancellationToken cancellationToken)
    {
        int answers = 0;
        answers += await RequestStatusAsync(session, 1, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        answers += await RequestStatusAsync(session, 2, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        answers += await RequestStatusAsync(session, 4, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        int asked = 3;
        if (Condition.ErrorOccurred)
        {
            asked++;
            answers += await RequestStatusAsync(session, 3, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        if (answers > 0)
        {
            _missedPolls = 0;
        }
        else if (++_missedPolls >= _settings.MissedPollsOffline)
        {
            lock (_sync)
            {
                _condition = _condition with { Responding = false };
            }
        }

        PrinterCondition now = Condition;
        if (now.Responding || _missedPolls >= _settings.MissedPollsOffline)
        {
            Report(now.Status, now.Status == DeviceStatus.Online ? "ready" : now.Reason);
        }

        return answers == asked;
    }

    private async Task<bool> RequestStatusAsync(SerialSession session, byte n, CancellationToken cancellationToken)
    {
        byte[] request = n switch
        {
            1 => EscPos.StatusRequest1.ToArray(),
            2 => EscPos.StatusRequest2.ToArray(),
            3 => EscPos.StatusRequest3.ToArray(),
            _ => EscPos.StatusRequest4.ToArray(),
        };
        while (_reply.CurrentCount > 0)
        {
            await _reply.WaitAsync(0, cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _lastReply, -1);
        _awaitingStatus = n;
        try
        {
            await session.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            if (!await _reply.WaitAsync(_settings.ResponseTimeout, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            int reply = Volatile.Read(ref _lastReply);
            if (reply < 0)
            {
                return false;
            }

            lock (_sync)
            {
                _condition = _condition.WithRealTimeStatus(n, (byte)reply);
            }

            return true;
        }
        finally
        {
            _awaitingStatus = 0;
        }
    }

    private async Task ReadLoopAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            Consume(ref buffer);
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("the line was closed");
            }
        }
    }

    /// <summary>Sorts incoming bytes into DLE EOT replies and ASB frames; leaves an incomplete ASB frame.</summary>
    internal void Consume(ref ReadOnlySequence<byte> buffer)
    {
        Span<byte> asb = stackalloc byte[4];
        while (!buffer.IsEmpty)
        {
            byte b = buffer.FirstSpan[0];
            if (PrinterCondition.IsRealTimeStatus(b))
            {
                if (_awaitingStatus != 0)
                {
                    Volatile.Write(ref _lastReply, b);
                    _reply.Release();
                }

                buffer = buffer.Slice(1);
                continue;
            }

            if (PrinterCondition.IsAsbFirstByte(b))
            {
                if (buffer.Length < 4)
                {
                    return;
                }

                buffer.Slice(0, 4).CopyTo(asb);
                if (PrinterCondition.IsAsbFollowingByte(asb[1]) && PrinterCondition.IsAsbFollowingByte(asb[2]) && PrinterCondition.IsAsbFollowingByte(asb[3]))
                {
                    PrinterCondition now;
                    lock (_sync)
                    {
                        _condition = _condition.WithAutomaticStatusBack(asb);
                        now = _condition;
                    }

                    Report(now.Status, now.Status == DeviceStatus.Online ? "ready" : now.Reason);
                    buffer = buffer.Slice(4);
                    continue;
                }
            }

            _observer.InputRejected(_device, InputRejections.UnexpectedByte);
            buffer = buffer.Slice(1);
        }
    }

    private void Report(DeviceStatus status, string reason)
    {
        PaperLevel paper;
        bool paperChanged;
        bool statusChanged;
        lock (_sync)
        {
            // Paper is reported on its own: a printer with its cover open may still run low or out.
            paper = _online ? _condition.Paper : PaperLevel.Unknown;
            paperChanged = paper != _reportedPaper;
            _reportedPaper = paper;
            // Off line for a new reason (the line back but the printer silent) is a change too; the same reason again
            // is not, so nothing repeats while it stays that way.
            statusChanged = _reported != status || (status == DeviceStatus.Offline && reason != _reportedReason);
            _reported = status;
            _reportedReason = reason;
        }

        if (paperChanged)
        {
            _observer.PaperChanged(_device, paper);
        }

        if (statusChanged)
        {
            Log.Status(_logger, _device.Id, status, reason);
            _observer.StatusChanged(new DeviceStatusChange(_device, status, reason));
        }
    }

    private sealed class PrintJob(ReadOnlyMemory<byte> bytes)
    {
        public ReadOnlyMemory<byte> Bytes { get; } = bytes;

        public TaskCompletionSource<PrintOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        [LoggerMessage(421, LogLevel.Information, "Printer {Device}: {Status} ({Reason})")]
        public static partial void Status(ILogger logger, string device, DeviceStatus status, string reason);

        [LoggerMessage(422, LogLevel.Warning, "Printer {Device}: ticket not printed: {Reason}")]
        public static partial void Refused(ILogger logger, string device, string reason);
    }
}

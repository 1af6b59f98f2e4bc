using System.Text;
using LobbyEdge.Devices.Printer;

namespace LobbyEdge.Simulator.Devices;

/// <summary>How a <see cref="VirtualPrinter"/> fails when an armed fault fires (<see cref="VirtualPrinter.FailAt"/>).</summary>
public enum PrinterFault
{
    /// <summary>It dies: answers nothing and prints nothing from then on (until <see cref="VirtualPrinter.Answer"/> is set again).</summary>
    Silent,

    /// <summary>The paper runs out (DLE EOT 2 stopped at paper end, DLE EOT 4 paper end); nothing more is printed.</summary>
    PaperOut,

    /// <summary>The cover is opened; nothing more is printed.</summary>
    CoverOpen,

    /// <summary>An unrecoverable error (DLE EOT 2 bit 6, DLE EOT 3 bit 5); nothing more is printed.</summary>
    Error,
}

/// <summary>When an armed fault of a <see cref="VirtualPrinter"/> fires.</summary>
public enum PrinterMoment
{
    /// <summary>When the next ticket starts (its <c>ESC @</c>), after the host's status check before the ticket.</summary>
    TicketStart,

    /// <summary>At the next cut (<c>GS V</c>): the ticket's text came, the cut never happens.</summary>
    Cut,
}

/// <summary>
/// An ESC/POS ticket printer: answers <c>DLE EOT n</c> from its paper and cover state, sends Automatic Status Back
/// frames when enabled and its state changes, and renders what it is sent as text, one ticket per cut:
/// GB18030 text lines, <c>[QR data]</c> for a QR code, large text as it is. A printer that cannot print (silent,
/// out of paper, cover open, in error) prints nothing; a fault can be armed to fire at a given moment of the next
/// ticket (<see cref="FailAt"/>), as a printer dying during the ticket does.
/// </summary>
public sealed class VirtualPrinter : IVirtualDevice
{
    private readonly Lock _sync = new();
    private readonly List<string> _tickets = [];
    private readonly StringBuilder _page = new();
    private readonly List<byte> _text = [];
    private readonly List<byte[]> _lines = [];
    private Stream? _line;
    private bool _asb;
    private bool _paperOut;
    private bool _paperLow;
    private bool _coverOpen;
    private bool _error;
    private bool _firedNow;
    private volatile bool _answer = true;
    private (PrinterFault Fault, PrinterMoment Moment)? _armed;
    private TaskCompletionSource _fired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _printed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>No paper: DLE EOT 4 says 0x60, DLE EOT 2 says stopped at paper end.</summary>
    public bool PaperOut
    {
        get => _paperOut;
        set => Change(() => _paperOut = value);
    }

    /// <summary>Paper near its end: DLE EOT 4 says 0x0C.</summary>
    public bool PaperLow
    {
        get => _paperLow;
        set => Change(() => _paperLow = value);
    }

    /// <summary>Cover open: DLE EOT 2 says 0x04.</summary>
    public bool CoverOpen
    {
        get => _coverOpen;
        set => Change(() => _coverOpen = value);
    }

    /// <summary>An unrecoverable error: DLE EOT 2 says 0x40, DLE EOT 3 says 0x20.</summary>
    public bool Error
    {
        get => _error;
        set => Change(() => _error = value);
    }

    /// <summary>Whether the printer answers status requests at all (and prints: a silent printer is a dead one).</summary>
    public bool Answer
    {
        get => _answer;
        set => _answer = value;
    }

    /// <summary>Completes when the fault armed by <see cref="FailAt"/> has fired.</summary>
    public Task FaultFired
    {
        get
        {
            lock (_sync)
            {
                return _fired.Task;
            }
        }
    }

    /// <summary>
    /// Arms <paramref name="fault"/> to fire at <paramref name="moment"/> of the next ticket: e.g. silent or out of
    /// paper when the ticket starts (right after the tap, past the host's check before the ticket), or at the cut.
    /// </summary>
    public void FailAt(PrinterMoment moment, PrinterFault fault)
    {
        lock (_sync)
        {
            _armed = (fault, moment);
            _fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Whether the host has connected.</summary>
    public bool IsConnected => _line is not null;

    /// <summary>Tickets printed (cut) so far, as text.</summary>
    public IReadOnlyList<string> Tickets
    {
        get
        {
            lock (_sync)
            {
                return [.. _tickets];
            }
        }
    }

    /// <summary>Every text line (not empty) printed so far, as the bytes the printer received (its character set's, not decoded).</summary>
    public IReadOnlyList<byte[]> LineBytes
    {
        get
        {
            lock (_sync)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Waits for the <paramref name="count"/>-th ticket, at most <paramref name="timeout"/>; null if none came.</summary>
    public async Task<string?> WaitForTicketAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (_sync)
            {
                if (_tickets.Count >= count)
                {
                    return _tickets[count - 1];
                }

                next = _printed.Task;
            }

            try
            {
                await next.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    /// <inheritdoc />
    public async Task RunAsync(Stream line, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        _line = line;
        try
        {
            await VirtualLine.PumpAsync(line, 4096, Consume, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _line = null;
        }
    }

    private bool CanPrint => _answer && !_paperOut && !_coverOpen && !_error;

    private int Consume(ReadOnlySpan<byte> received, out byte[]? reply)
    {
        byte[] replies = Interpret(received, out int used, out byte[]? asb);
        reply = asb is null ? replies : [.. replies, .. asb];
        return used;
    }

    /// <summary>Fires the armed fault if it is due at <paramref name="moment"/> (under the lock).</summary>
    private void Fire(PrinterMoment moment)
    {
        if (_armed is not { } armed || armed.Moment != moment)
        {
            return;
        }

        _armed = null;
        switch (armed.Fault)
        {
            case PrinterFault.Silent:
                _answer = false;
                break;
            case PrinterFault.PaperOut:
                _paperOut = true;
                break;
            case PrinterFault.CoverOpen:
                _coverOpen = true;
                break;
            default:
                _error = true;
                break;
        }

        _firedNow = true;
        _fired.TrySetResult();
    }

    private byte Status(byte n) => n switch
    {
        1 => 0x12,
        2 => (byte)(0x12 | (_coverOpen ? 0x04 : 0) | (_paperOut ? 0x20 : 0) | (_error ? 0x40 : 0)),
        3 => (byte)(0x12 | (_error ? 0x20 : 0)),
        _ => (byte)(0x12 | (_paperLow ? 0x0C : 0) | (_paperOut ? 0x60 : 0)),
    };

    private byte[] Asb() =>
    [
        (byte)(0x10 | (_coverOpen ? 0x20 : 0)),
        (byte)(_error ? 0x20 : 0),
        (byte)((_paperLow ? 0x03 : 0) | (_paperOut ? 0x0C : 0)),
        0x00,
    ];

    private void Change(Action change)
    {
        byte[]? asb = null;
        lock (_sync)
        {
            change();
            if (_asb)
            {
                asb = Asb();
            }
        }

        if (asb is not null && _line is { } line && _answer)
        {
            try
            {
                line.Write(asb);
                line.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The host has gone; it asks again when it is back.
            }
        }
    }

    /// <summary>
    /// Runs the ESC/POS commands in the buffer; returns status replies (and, in <paramref name="asb"/>, an Automatic
    /// Status Back frame when a fault fired and ASB is on); leaves an incomplete command.
    /// </summary>
    private byte[] Interpret(ReadOnlySpan<byte> b, out int used, out byte[]? asb)
    {
        var replies = new List<byte>();
        int i = 0;
        asb = null;
        lock (_sync)
        {
            _firedNow = false;
            while (i < b.Length)
            {
                byte c = b[i];
                int need = c switch
                {
                    0x10 => 3,                                     // DLE EOT n
                    0x1B => b.Length > i + 1 && b[i + 1] == 0x40 ? 2 : 3, // ESC @ | ESC a n, ESC E n, ESC d n
                    0x1C => 2,                                     // FS & / FS .
                    0x1D => GsLength(b[i..]),
                    _ => 1,
                };
                if (need < 0 || i + need > b.Length)
                {
                    break;
                }

                if (c == 0x1B && b[i + 1] == 0x40)
                {
                    Fire(PrinterMoment.TicketStart);
                }
                else if (c == 0x1D && b[i + 1] == 0x56)
                {
                    Fire(PrinterMoment.Cut);
                }

                switch (c)
                {
                    case 0x10:
                        if (_answer)
                        {
                            replies.Add(Status(b[i + 2]));
                        }

                        break;
                    case 0x1D when b[i + 1] == 0x56 && !CanPrint:
                        // Nothing comes out of a printer that cannot print: what it was sent is lost.
                        _text.Clear();
                        _page.Clear();
                        break;
                    case 0x1B when b[i + 1] == 0x64:
                        FlushLine();
                        for (int k = 1; k < b[i + 2]; k++)
                        {
                            _page.Append('\n');
                        }

                        break;
                    case 0x1D when b[i + 1] == 0x56:
                        FlushLine();
                        _tickets.Add(_page.ToString().TrimEnd('\n'));
                        _page.Clear();
                        _printed.TrySetResult();
                        _printed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        break;
                    case 0x1D when b[i + 1] == 0x61:
                        _asb = b[i + 2] != 0;
                        break;
                    case 0x1D when b[i + 1] == 0x28 && b[i + 2] == 0x6B && b[i + 6] == 0x50:
                        int len = b[i + 3] + (b[i + 4] << 8) - 3;
                        FlushLine();
                        _page.Append("[QR ").Append(Encoding.ASCII.GetString(b.Slice(i + 8, len))).Append("]\n");
                        break;
                    case 0x0A:
                        FlushLine();
                        break;
                    default:
                        // Text (GB18030 lead and trail bytes are all 0x30 or above); other control bytes are ignored.
                        if (c >= 0x20)
                        {
                            _text.Add(c);
                        }

                        break;
                }

                i += need;
            }

            if (_firedNow && _asb && _answer)
            {
                asb = Asb();
            }
        }

        used = i;
        return [.. replies];
    }

    private static int GsLength(ReadOnlySpan<byte> b)
    {
        if (b.Length < 2)
        {
            return -1;
        }

        return b[1] switch
        {
            0x21 or 0x61 => 3,                      // GS ! n, GS a n
            0x56 => b.Length > 2 && b[2] is 65 or 66 ? 4 : 3, // GS V m [n]
            0x28 => b.Length < 5 ? -1 : 5 + b[3] + (b[4] << 8), // GS ( k pL pH …
            _ => 2,
        };
    }

    private void FlushLine()
    {
        byte[] line = [.. _text];
        if (line.Length > 0)
        {
            _lines.Add(line);
        }

        _page.Append(EscPos.Gb18030.GetString(line)).Append('\n');
        _text.Clear();
    }
}

using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Printer;

/// <summary>How much paper a printer has, as <c>lobby_printer_paper</c>'s <c>status</c> label says it.</summary>
public enum PaperLevel : byte
{
    /// <summary>Not known: the printer does not answer (or its line is down).</summary>
    Unknown = 0,

    /// <summary>Paper in the roll.</summary>
    Ok,

    /// <summary>The paper near-end sensor is on (DLE EOT 4 bits 2-3); tickets still print.</summary>
    Low,

    /// <summary>The paper end sensor is on, or printing stopped at paper end (DLE EOT 4 bits 5-6, DLE EOT 2 bit 5).</summary>
    Out,
}

/// <summary>
/// What an ESC/POS printer last said about itself, from <c>DLE EOT n</c> replies and Automatic Status Back frames.
/// Bit meanings follow the Epson ESC/POS Application Programming Guide, "DLE EOT" (real-time status transmission)
/// and "GS a" (enable/disable Automatic Status Back).
/// </summary>
public readonly record struct PrinterCondition
{
    /// <summary>The printer answers status requests.</summary>
    public bool Responding { get; init; }

    /// <summary>DLE EOT 1 bit 3 / ASB byte 1 bit 3: the printer is off line.</summary>
    public bool Offline { get; init; }

    /// <summary>DLE EOT 2 bit 2 / ASB byte 1 bit 5: the cover is open.</summary>
    public bool CoverOpen { get; init; }

    /// <summary>DLE EOT 2 bit 5: printing stopped because the paper ran out.</summary>
    public bool StoppedAtPaperEnd { get; init; }

    /// <summary>DLE EOT 4 bits 2-3 (0x0C) / ASB byte 3 bits 0-1: the roll is nearly used up.</summary>
    public bool PaperNearEnd { get; init; }

    /// <summary>DLE EOT 4 bits 5-6 (0x60) / ASB byte 3 bits 2-3: no paper.</summary>
    public bool PaperEnd { get; init; }

    /// <summary>DLE EOT 3 bit 3 / ASB byte 2 bit 3: the autocutter jammed.</summary>
    public bool CutterError { get; init; }

    /// <summary>DLE EOT 3 bit 5 / ASB byte 2 bit 5: an error the printer cannot recover from by itself.</summary>
    public bool UnrecoverableError { get; init; }

    /// <summary>DLE EOT 3 bit 6 / ASB byte 2 bit 6: an error that clears by itself (e.g. head too hot).</summary>
    public bool AutoRecoverableError { get; init; }

    /// <summary>DLE EOT 2 bit 6: an error occurred (details by DLE EOT 3).</summary>
    public bool ErrorOccurred { get; init; }

    /// <summary>The status the lobby sees, the worst first.</summary>
    public DeviceStatus Status
    {
        get
        {
            if (!Responding)
            {
                return DeviceStatus.Offline;
            }

            if (CoverOpen)
            {
                return DeviceStatus.CoverOpen;
            }

            if (PaperEnd || StoppedAtPaperEnd)
            {
                return DeviceStatus.PaperOut;
            }

            if (CutterError || UnrecoverableError || AutoRecoverableError || ErrorOccurred)
            {
                return DeviceStatus.Error;
            }

            if (Offline)
            {
                return DeviceStatus.Offline;
            }

            return PaperNearEnd ? DeviceStatus.PaperLow : DeviceStatus.Online;
        }
    }

    /// <summary>The paper as its sensors report it; <see cref="PaperLevel.Unknown"/> while the printer does not answer.</summary>
    public PaperLevel Paper => !Responding ? PaperLevel.Unknown
        : PaperEnd || StoppedAtPaperEnd ? PaperLevel.Out
        : PaperNearEnd ? PaperLevel.Low
        : PaperLevel.Ok;

    /// <summary>Whether a ticket can be printed now (paper low still prints).</summary>
    public bool CanPrint => Status is DeviceStatus.Online or DeviceStatus.PaperLow;

    /// <summary>Why the printer cannot print, in words for a display and the log; empty when it can.</summary>
    public string Reason => Status switch
    {
        DeviceStatus.Offline when !Responding => "printer not answering",
        DeviceStatus.Offline => "printer off line",
        DeviceStatus.CoverOpen => "printer cover open",
        DeviceStatus.PaperOut => "printer out of paper",
        DeviceStatus.Error when CutterError => "printer cutter error",
        DeviceStatus.Error => "printer error",
        DeviceStatus.PaperLow => "paper low",
        _ => "",
    };

    /// <summary>Whether a byte is a real-time status reply (<c>0xx1xx10</c>, DLE EOT "transmitted status").</summary>
    public static bool IsRealTimeStatus(byte b) => (b & 0x93) == 0x12;

    /// <summary>Whether a byte starts an Automatic Status Back frame (first byte <c>0xx1xx00</c>).</summary>
    public static bool IsAsbFirstByte(byte b) => (b & 0x93) == 0x10;

    /// <summary>Whether a byte can follow in an ASB frame (bytes 2 to 4: <c>0xx0xxxx</c>).</summary>
    public static bool IsAsbFollowingByte(byte b) => (b & 0x90) == 0x00;

    /// <summary>Applies the reply to <c>DLE EOT n</c> (n = 1..4).</summary>
    public PrinterCondition WithRealTimeStatus(byte n, byte status) => n switch
    {
        1 => this with { Responding = true, Offline = (status & 0x08) != 0 },
        2 => this with
        {
            Responding = true,
            CoverOpen = (status & 0x04) != 0,
            StoppedAtPaperEnd = (status & 0x20) != 0,
            ErrorOccurred = (status & 0x40) != 0,
        },
        3 => this with
        {
            Responding = true,
            CutterError = (status & 0x08) != 0,
            UnrecoverableError = (status & 0x20) != 0,
            AutoRecoverableError = (status & 0x40) != 0,
        },
        4 => this with
        {
            Responding = true,
            PaperNearEnd = (status & 0x0C) != 0,
            PaperEnd = (status & 0x60) != 0,
        },
        _ => this,
    };

    /// <summary>Applies a 4-byte Automatic Status Back frame.</summary>
    public PrinterCondition WithAutomaticStatusBack(ReadOnlySpan<byte> asb)
    {
        if (asb.Length < 4)
        {
            return this;
        }

        return this with
        {
            Responding = true,
            Offline = (asb[0] & 0x08) != 0,
            CoverOpen = (asb[0] & 0x20) != 0,
            CutterError = (asb[1] & 0x08) != 0,
            UnrecoverableError = (asb[1] & 0x20) != 0,
            AutoRecoverableError = (asb[1] & 0x40) != 0,
            ErrorOccurred = (asb[1] & 0x6C) != 0,
            PaperNearEnd = (asb[2] & 0x03) != 0,
            PaperEnd = (asb[2] & 0x0C) != 0,
            StoppedAtPaperEnd = (asb[2] & 0x0C) != 0 && StoppedAtPaperEnd,
        };
    }
}

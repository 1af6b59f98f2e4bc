using System.Runtime.InteropServices;

namespace LobbyEdge.Service.Clock;

/// <summary>Says whether the system clock is synchronised (set by NTP or kept by a trusted source).</summary>
public interface IClockSynchronization
{
    /// <summary>True when the wall clock can be trusted to say the day and the time.</summary>
    public bool IsSynchronized();
}

/// <summary>The sources of <see cref="ClockOptions.Synchronization"/>.</summary>
public static partial class ClockSynchronization
{
    /// <summary>The <c>Clock:Synchronization</c> value that reads the kernel's state.</summary>
    public const string Kernel = "kernel";

    /// <summary>The <c>Clock:Synchronization</c> value that always trusts the clock.</summary>
    public const string Trusted = "trusted";

    /// <summary>The source a <c>Clock:Synchronization</c> value names, or null when it names none.</summary>
    public static IClockSynchronization? TryParseSource(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        Kernel => new KernelClockSynchronization(),
        Trusted => new TrustedClock(),
        _ => null,
    };

    /// <summary>A clock that is always taken as synchronised.</summary>
    private sealed class TrustedClock : IClockSynchronization
    {
        public bool IsSynchronized() => true;
    }
}

/// <summary>
/// The kernel's view, as <c>timedatectl</c>'s <c>NTPSynchronized</c> reads it: adjtimex(2) with no modes (read
/// only, no privilege needed) returns <c>TIME_ERROR</c> (5) while <c>STA_UNSYNC</c> is set, which the kernel does
/// at boot and whenever the clock is set by hand (settimeofday), and which systemd-timesyncd, chrony and ntpd clear
/// once they have disciplined the clock. Where adjtimex is not available (not Linux) the clock counts as synchronised.
/// </summary>
public sealed partial class KernelClockSynchronization : IClockSynchronization
{
    private const int TimeError = 5;

    // struct timex is 208 bytes on 64-bit Linux (less on 32-bit); a larger zeroed buffer fits every layout, and
    // its first field, modes, stays 0: read only.
    private const int TimexBytes = 512;

    /// <inheritdoc />
    public bool IsSynchronized()
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        Span<byte> timex = stackalloc byte[TimexBytes];
        timex.Clear();
        try
        {
            int state = Adjtimex(ref MemoryMarshal.GetReference(timex));
            return state >= 0 && state != TimeError;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "adjtimex", SetLastError = true)]
    private static partial int Adjtimex(ref byte timex);
}

using System.Runtime.InteropServices;

namespace LobbyEdge.Devices.Serial;

/// <summary>
/// A Linux character device (a usblp printer's <c>/dev/usb/lp0</c>, or a pty standing in for one) as a
/// <see cref="Stream"/>, opened non-blocking (<c>O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC</c>) and driven with
/// poll(2), read(2) and write(2) through libc.
/// </summary>
/// <remarks>
/// <para>
/// A blocking read(2) on a character device cannot be cancelled: a plain <see cref="FileStream"/> over a silent printer
/// would pin its thread until the printer speaks. Here every wait is a poll(2) of at most <see cref="WaitSlice"/>, after
/// which the caller's token and <see cref="Stream.Dispose()"/> are looked at again, so a read waiting for a printer that
/// never answers ends within one slice of being cancelled or closed.
/// </para>
/// <para>
/// Reads return what is there (at least one byte) and wait while there is nothing; they never return 0 for "nothing
/// yet" (usblp answers a zero-length packet from the printer with a read of 0: that is skipped). Writes write everything
/// and wait for the device to take more when its buffer is full, at most <see cref="WriteTimeout"/> for the whole call.
/// The device being gone (<c>POLLHUP</c>, <c>POLLERR</c>, <c>EIO</c>, <c>ENODEV</c>, …) is an <see cref="IOException"/>
/// naming the path and the errno; a closed stream is an <see cref="ObjectDisposedException"/>; a cancelled token an
/// <see cref="OperationCanceledException"/>.
/// </para>
/// <para>
/// Async reads and writes that have to wait do so on a thread of their own (<see cref="TaskCreationOptions.LongRunning"/>),
/// not a pool thread: a printer's driver always has a read pending, and a pool thread held for that would starve the
/// pool of a small board. The thread wakes every <see cref="WaitSlice"/> and ends with the read. Dispose may be
/// called from any thread while a read or write waits: the file descriptor is reference-counted
/// (<see cref="SafeHandle"/>), so it is closed only when the waiting call has let go of it, and its number is never
/// reused under a running poll.
/// </para>
/// </remarks>
public sealed partial class CharacterDeviceStream : Stream
{
    /// <summary>The longest one poll(2) waits before cancellation and closing are looked at again: 100 ms.</summary>
    public static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(100);

    private const int ORdWr = 0x2;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const short PollIn = 0x1;
    private const short PollOut = 0x4;
    private const short PollErr = 0x8;
    private const short PollHup = 0x10;
    private const short PollNval = 0x20;
    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EInval = 22;
    private const int ENotTy = 25;
    private const nuint LpGetStatus = 0x060b;

    private readonly DeviceHandle _handle;
    private int _writeTimeout;
    private int _readTimeout = Timeout.Infinite;
    private volatile bool _closed;

    private CharacterDeviceStream(DeviceHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The device's path, as it was opened (a udev symlink stays a symlink here).</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/> for reading and writing without blocking. Linux only.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such device (<c>ENOENT</c>, <c>ENXIO</c>, <c>ENODEV</c>: unplugged).</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied (<c>EACCES</c>, <c>EPERM</c>): the service user is not in the device's group (<c>lp</c>).</exception>
    /// <exception cref="IOException">Anything else, e.g. <c>EBUSY</c> (usblp lets one program open a printer at a time); HResult is the errno.</exception>
    public static CharacterDeviceStream Open(string path, TimeSpan writeTimeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux())
        {
            throw new IOException($"{path}: character devices (usblp printers) are opened on Linux only");
        }

        int fd;
        do
        {
            fd = NativeOpen(path, ORdWr | ONonBlock | ONoCtty | OCloExec);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);

        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 or 6 or 19 => new FileNotFoundException($"{path}: no such device ({ErrorName(errno)}; unplugged or switched off?)", path),
                1 or 13 => new UnauthorizedAccessException($"{path}: permission denied ({ErrorName(errno)}); the service user needs the device's group (lp for /dev/usb/lp*)"),
                16 => new IOException($"{path}: the device is busy ({ErrorName(errno)}): another program has it open (a print spooler?)", errno),
                _ => new IOException($"{path}: cannot open ({ErrorName(errno)})", errno),
            };
        }

        return new CharacterDeviceStream(new DeviceHandle(fd), path) { WriteTimeout = ToMilliseconds(writeTimeout) };
    }

    /// <inheritdoc />
    public override bool CanRead => !_closed;

    /// <inheritdoc />
    public override bool CanWrite => !_closed;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanTimeout => true;

    /// <summary>Longest one write call may take, in milliseconds (<see cref="Timeout.Infinite"/> for no limit); then <see cref="IOException"/>.</summary>
    public override int WriteTimeout
    {
        get => _writeTimeout;
        set => _writeTimeout = value >= 0 || value == Timeout.Infinite ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a timeout is milliseconds >= 0 or Timeout.Infinite");
    }

    /// <summary>Longest one read may wait for a byte, in milliseconds; <see cref="Timeout.Infinite"/> (the default) waits until data, cancellation or closing; then <see cref="TimeoutException"/>.</summary>
    public override int ReadTimeout
    {
        get => _readTimeout;
        set => _readTimeout = value >= 0 || value == Timeout.Infinite ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a timeout is milliseconds >= 0 or Timeout.Infinite");
    }

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// The USB printer class port status (usblp's <c>LPGETSTATUS</c> ioctl, the class request GET_PORT_STATUS), or null
    /// where the device does not answer it (a pty says <c>ENOTTY</c>; some printers stall the request).
    /// </summary>
    /// <exception cref="IOException">The device is gone.</exception>
    public UsbPrinterPortStatus? ReadPortStatus()
    {
        bool added = false;
        try
        {
            AddRef(ref added);
            int status = 0;
            if (NativeIoctl(_handle.Fd, LpGetStatus, ref status) == 0)
            {
                return new UsbPrinterPortStatus((byte)status);
            }

            int errno = Marshal.GetLastPInvokeError();
            return errno is ENotTy or EInval or 32 /* EPIPE: stalled */ or 95 /* EOPNOTSUPP */ or EIntr
                ? null
                : throw Gone(errno);
        }
        finally
        {
            Release(added);
        }
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadCore(buffer.AsSpan(offset, count), CancellationToken.None);
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer) => ReadCore(buffer, CancellationToken.None);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    /// <remarks>Returns at once when bytes are there; otherwise waits on a thread of its own in slices of <see cref="WaitSlice"/>.</remarks>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }

        try
        {
            int n = TryRead(buffer.Span);
            if (n > 0)
            {
                return ValueTask.FromResult(n);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return ValueTask.FromException<int>(e);
        }

        return new ValueTask<int>(Task.Factory.StartNew(() => ReadCore(buffer.Span, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        WriteCore(buffer.AsSpan(offset, count), CancellationToken.None);
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer) => WriteCore(buffer, CancellationToken.None);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    /// <remarks>Returns at once when the device takes everything; otherwise waits on a thread of its own in slices of <see cref="WaitSlice"/>.</remarks>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        int written;
        try
        {
            written = TryWrite(buffer.Span);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return ValueTask.FromException(e);
        }

        if (written == buffer.Length)
        {
            return ValueTask.CompletedTask;
        }

        ReadOnlyMemory<byte> rest = buffer[Math.Max(0, written)..];
        return new ValueTask(Task.Factory.StartNew(() => WriteCore(rest.Span, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
    }

    /// <summary>Nothing to do: every write is handed to the device before it returns.</summary>
    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : _closed ? Task.FromException(new ObjectDisposedException(GetType().Name)) : Task.CompletedTask;

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    /// <remarks>Safe while another thread reads or writes: that call ends within one <see cref="WaitSlice"/>, and the descriptor is closed after it lets go.</remarks>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            _closed = true;
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    private int ReadCore(Span<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        long deadline = Deadline(_readTimeout);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = TryRead(buffer);
            if (n > 0)
            {
                return n;
            }

            int wait = Remaining(deadline);
            if (wait == 0)
            {
                throw new TimeoutException($"{Path}: nothing came within {_readTimeout} ms");
            }

            // n == 0 is a zero-length read (usblp passing on an empty packet), not "would block": sleep the slice
            // without asking for POLLIN, which would say ready again at once; hang-ups and errors still wake it.
            Wait(n < 0 ? PollIn : (short)0, wait);
        }
    }

    private void WriteCore(ReadOnlySpan<byte> buffer, CancellationToken cancellationToken)
    {
        long deadline = Deadline(_writeTimeout);
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = TryWrite(buffer);
            if (n > 0)
            {
                buffer = buffer[n..];
                continue;
            }

            int wait = Remaining(deadline);
            if (wait == 0)
            {
                throw new IOException($"{Path}: the device took no more data within the write timeout of {_writeTimeout} ms (its buffer stays full: out of paper, cover open, jammed or off line?)");
            }

            Wait(PollOut, wait);
        }
    }

    /// <summary>One non-blocking read: bytes read, 0 for a zero-length read, -1 for nothing there (<c>EAGAIN</c>).</summary>
    private int TryRead(Span<byte> buffer) => TryTransfer(buffer, write: false);

    /// <summary>One non-blocking write: bytes taken, -1 when the device takes nothing now (<c>EAGAIN</c>).</summary>
    private int TryWrite(ReadOnlySpan<byte> buffer) => buffer.IsEmpty ? 0 : TryTransfer(buffer, write: true);

    /// <summary>One read(2) into, or write(2) from, <paramref name="buffer"/>, retried on <c>EINTR</c>; -1 for <c>EAGAIN</c>.</summary>
    private unsafe int TryTransfer(ReadOnlySpan<byte> buffer, bool write)
    {
        bool added = false;
        try
        {
            AddRef(ref added);
            while (true)
            {
                nint n;
                fixed (byte* p = buffer)
                {
                    n = write ? NativeWrite(_handle.Fd, p, (nuint)buffer.Length) : NativeRead(_handle.Fd, p, (nuint)buffer.Length);
                }

                if (n > 0 || (n == 0 && !write))
                {
                    return (int)n;
                }

                int errno = n == 0 ? EAgain : Marshal.GetLastPInvokeError();
                if (errno == EAgain)
                {
                    return -1;
                }

                if (errno == EInval && !write)
                {
                    throw new IOException($"{Path}: the printer sends nothing back ({ErrorName(errno)}): it is a unidirectional USB printer (usblp protocol 1), and status replies need a bidirectional one (dmesg says \"USB Bidirectional printer\")", errno);
                }

                if (errno != EIntr)
                {
                    throw Gone(errno);
                }
            }
        }
        finally
        {
            Release(added);
        }
    }

    /// <summary>Polls for <paramref name="events"/> at most one slice (and at most <paramref name="milliseconds"/>); throws when the device is gone.</summary>
    private void Wait(short events, int milliseconds)
    {
        bool added = false;
        try
        {
            AddRef(ref added);
            var fds = new PollFd { Fd = _handle.Fd, Events = events };
            int timeout = Math.Min(milliseconds, (int)WaitSlice.TotalMilliseconds);
            int ready = NativePoll(ref fds, 1, timeout);
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr)
                {
                    return;
                }

                throw Gone(errno);
            }

            if ((fds.Revents & (PollHup | PollErr | PollNval)) != 0 && (fds.Revents & events) == 0)
            {
                throw new IOException($"{Path}: the device is gone ({((fds.Revents & PollHup) != 0 ? "hang-up" : (fds.Revents & PollNval) != 0 ? "not open" : "error")} reported by poll)");
            }
        }
        finally
        {
            Release(added);
        }
    }

    private void AddRef(ref bool added)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(GetType().Name, $"{Path} was closed");
        }
    }

    private void Release(bool added)
    {
        if (added)
        {
            _handle.DangerousRelease();
        }
    }

    private IOException Gone(int errno) => new($"{Path}: {(errno is 5 or 19 or 6 ? "the device is gone" : "I/O failed")} ({ErrorName(errno)})", errno);

    private static long Deadline(int timeout) => timeout == Timeout.Infinite ? long.MaxValue : Environment.TickCount64 + timeout;

    private static int Remaining(long deadline) =>
        deadline == long.MaxValue ? int.MaxValue : (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);

    private static int ToMilliseconds(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? Timeout.Infinite : (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);

    /// <summary>The errno's symbolic name and number, as the kernel headers spell it (what a technician searches for).</summary>
    internal static string ErrorName(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        6 => "ENXIO",
        9 => "EBADF",
        13 => "EACCES",
        16 => "EBUSY",
        19 => "ENODEV",
        22 => "EINVAL",
        28 => "ENOSPC",
        32 => "EPIPE",
        110 => "ETIMEDOUT",
        _ => "errno",
    } + " " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>The open file descriptor; closed once, when the last call using it lets go.</summary>
    private sealed class DeviceHandle : SafeHandle
    {
        public DeviceHandle(int fd)
            : base(new IntPtr(-1), ownsHandle: true)
        {
            SetHandle(new IntPtr(fd));
        }

        public int Fd => (int)handle;

        public override bool IsInvalid => handle == new IntPtr(-1);

        protected override bool ReleaseHandle() => NativeClose((int)handle) == 0;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint NativeRead(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint NativeWrite(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int NativePoll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int NativeIoctl(int fd, nuint request, ref int argument);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int NativeClose(int fd);
}

/// <summary>
/// The USB printer class port status byte (IEEE 1284 status lines, as usblp's <c>LPGETSTATUS</c> gives it):
/// bit 3 not error (active low), bit 4 selected (on line), bit 5 paper empty.
/// </summary>
/// <param name="Bits">The raw byte.</param>
public readonly record struct UsbPrinterPortStatus(byte Bits)
{
    /// <summary>Paper empty (bit 5).</summary>
    public bool PaperOut => (Bits & 0x20) != 0;

    /// <summary>Selected, i.e. on line (bit 4).</summary>
    public bool Selected => (Bits & 0x10) != 0;

    /// <summary>In error (bit 3 clear).</summary>
    public bool Error => (Bits & 0x08) == 0;

    /// <inheritdoc />
    public override string ToString() =>
        $"0x{Bits:X2} ({(PaperOut ? "paper out" : "paper ok")}, {(Selected ? "selected" : "not selected")}, {(Error ? "error" : "no error")})";
}

using System.ComponentModel;
using System.Threading.Channels;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices;

/// <summary>
/// A device on the board's own buses (I2C, SPI, GPIO, PWM), driven through an Iot.Device.Bindings object by one owner
/// task: whoever wants it to show or sound something records that (a short lock, no I/O, never blocks: the engine
/// loop's sink may call it) and wakes the task; the task opens the hardware, brings it up to date and reports the
/// device up. A write that fails (an I2C address that does not answer, a bus the kernel does not offer) closes the
/// binding's objects, reports the device down with the error and is tried again every <see cref="RetryInterval"/>.
/// Status changes go to the <see cref="IDeviceObserver"/> only when the status changes.
/// </summary>
public abstract class BoardDevice : IAsyncDisposable
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly IDeviceObserver _observer;
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;
    private Task<bool>? _woken;
    private bool _open;
    private int _disposed;
    private bool? _up;

    /// <summary>Creates the device; opens nothing until <see cref="Start"/> or <see cref="UpdateOnceAsync"/>.</summary>
    /// <param name="device">The device as the engine knows it.</param>
    /// <param name="observer">Where its status changes go.</param>
    /// <param name="time">The clock for retries, polls and tone lengths.</param>
    protected BoardDevice(DeviceInfo device, IDeviceObserver? observer, TimeProvider? time)
    {
        Device = device;
        _observer = observer ?? NullDeviceObserver.Instance;
        Time = time ?? TimeProvider.System;
    }

    /// <summary>The device.</summary>
    public DeviceInfo Device { get; }

    /// <summary>Whether the last update reached the device (null before the first).</summary>
    public bool? IsUp => _up;

    /// <summary>How long after a failure the device is opened again: 5 s.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock.</summary>
    protected TimeProvider Time { get; }

    /// <summary>How long the owner task sleeps without a wake-up while the device is up (infinite: only on a wake-up).</summary>
    protected virtual TimeSpan IdleInterval => Timeout.InfiniteTimeSpan;

    /// <summary>Starts the owner task.</summary>
    public void Start()
    {
        if (_run.IsCompleted)
        {
            _run = Task.Run(() => RunAsync(_stop.Token));
        }
    }

    /// <summary>
    /// Opens the hardware if it is not open and brings it up to date, reporting the device up, or down with the
    /// error (the binding's objects are then closed, to be opened afresh next time). The owner task calls it; tests
    /// call it directly.
    /// </summary>
    /// <returns>Whether the device is up.</returns>
    public async ValueTask<bool> UpdateOnceAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (!_open)
            {
                Open();
                _open = true;
            }

            await UpdateAsync(cancellationToken).ConfigureAwait(false);
            Report(true, OnlineReason);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever a binding throws (an IOException from the bus, a platform without the driver), the device is
            // down and the owner task goes on retrying; nothing a device does ends the process.
            CloseQuietly();
            Report(false, IsHardwareFault(e) ? e.Message : $"{e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    /// <summary>Stops the owner task and closes the hardware. Idempotent (the host and its container both dispose).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        CloseQuietly();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Whether an exception from a binding means the hardware failed (rather than a bug).</summary>
    public static bool IsHardwareFault(Exception e) =>
        e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or NotSupportedException or InvalidOperationException
            or ArgumentException or Win32Exception;

    /// <summary>The reason given when the device comes up, e.g. <c>"LCD on I2C bus 1 at 0x27"</c>.</summary>
    protected abstract string OnlineReason { get; }

    /// <summary>Wakes the owner task: something to show or sound.</summary>
    protected void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Opens the binding's objects; throws (an <see cref="IOException"/>, …) when the hardware is not there.</summary>
    protected abstract void Open();

    /// <summary>Brings the device up to date; throws when a write fails.</summary>
    protected abstract ValueTask UpdateAsync(CancellationToken cancellationToken);

    /// <summary>Disposes the binding's objects (after a failure, and when stopping).</summary>
    protected abstract void Close();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                bool up = await UpdateOnceAsync(cancellationToken).ConfigureAwait(false);
                TimeSpan wait = up ? IdleInterval : RetryInterval;
                _woken ??= _wake.Reader.WaitToReadAsync(cancellationToken).AsTask();
                if (wait == Timeout.InfiniteTimeSpan)
                {
                    await _woken.ConfigureAwait(false);
                }
                else
                {
                    await Task.WhenAny(_woken, Task.Delay(wait, Time, cancellationToken)).ConfigureAwait(false);
                }

                if (_woken.IsCompleted)
                {
                    _woken = null;
                    _wake.Reader.TryRead(out _);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void CloseQuietly()
    {
        if (!_open)
        {
            return;
        }

        _open = false;
        try
        {
            Close();
        }
        catch (Exception e) when (IsHardwareFault(e))
        {
            // Closing a device that is gone can fail too; it is closed as far as this side goes.
        }
    }

    private void Report(bool up, string reason)
    {
        if (_up == up)
        {
            return;
        }

        _up = up;
        _observer.StatusChanged(new DeviceStatusChange(Device, up ? DeviceStatus.Online : DeviceStatus.Offline, reason));
    }
}

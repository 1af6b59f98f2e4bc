using System.Threading.Tasks.Sources;

namespace LobbyEdge.HeadOffice;

public sealed partial class HeadOfficeLink
{
    /// <summary>
    /// The shipper's wait for the oldest publish of the window, which also ends when the session is cut or a stop is
    /// asked for, without allocating per wait. (<c>Task.WaitAsync(token)</c> allocates a task and registers on the
    /// token at every call: once per event with one in flight, and a second continuation hop before the shipper runs.)
    /// One per session, used by the shipping task only, one wait at a time. A wait may also end early (a completion
    /// left over from an earlier wait): the caller looks again.
    /// </summary>
    private sealed class HeadWait : IValueTaskSource, IDisposable
    {
        private readonly CancellationToken _cut;
        private readonly CancellationToken _stop;
        private readonly CancellationTokenRegistration _cutRegistration;
        private readonly CancellationTokenRegistration _stopRegistration;
        private readonly Action _signal;
        private ManualResetValueTaskSourceCore<bool> _core;
        private int _armed;

        /// <summary>Waits that end when <paramref name="cut"/> (the session) or <paramref name="stop"/> (the link) fires.</summary>
        public HeadWait(CancellationToken cut, CancellationToken stop)
        {
            _cut = cut;
            _stop = stop;
            _signal = Signal;
            // A cut or a stop wakes the shipper on the thread pool, never inline on the thread that cancels (the
            // client's disconnect handler, a stop): the shipper then disposes the client.
            _cutRegistration = cut.UnsafeRegister(static s => ThreadPool.UnsafeQueueUserWorkItem(static w => w.Signal(), (HeadWait)s!, preferLocal: false), this);
            _stopRegistration = stop.UnsafeRegister(static s => ThreadPool.UnsafeQueueUserWorkItem(static w => w.Signal(), (HeadWait)s!, preferLocal: false), this);
        }

        /// <summary>Completes when <paramref name="publish"/> completes or either token fires (or earlier, see above).</summary>
        public ValueTask WhenDoneOrCut(Task publish)
        {
            _core.Reset();
            Volatile.Write(ref _armed, 1);
            if (_cut.IsCancellationRequested || _stop.IsCancellationRequested)
            {
                Signal();
            }
            else
            {
                // A continuation without a captured context or execution context: the delegate itself is stored.
                publish.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_signal);
            }

            return new ValueTask(this, _core.Version);
        }

        /// <inheritdoc />
        public void GetResult(short token) => _core.GetResult(token);

        /// <inheritdoc />
        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        /// <inheritdoc />
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        /// <inheritdoc />
        public void Dispose()
        {
            _cutRegistration.Dispose();
            _stopRegistration.Dispose();
        }

        private void Signal()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _core.SetResult(true);
            }
        }
    }
}

using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// <c>resend-events</c>: head office asks for a range of the log again (to refill its store after it lost events).
/// The range is checked against the log, then the shipper publishes those events on
/// <see cref="HeadOfficeTopics.Resent"/> from the durable log, through the same writer and with the same bytes as
/// their first publication, interleaved one for one with the live events (so neither waits long for the other and the
/// live topic keeps its order), within the same window of unacknowledged messages. The answer is sent once the broker
/// has acknowledged every event sent again.
/// </summary>
public sealed partial class HeadOfficeLink
{
    /// <summary>Answers to <c>resend-events</c> requests remembered (in memory) for their repeats.</summary>
    private const int ResendAnswersKept = 1_000;

    private readonly ResendAnswers _resendAnswers = new(ResendAnswersKept);
    private readonly Lock _resendLock = new();
    private readonly Queue<ResendJob> _resendQueue = new();
    private long _resent;

    /// <summary>Events sent again on <c>events/resent</c> for <c>resend-events</c> and acknowledged by the broker, since start.</summary>
    public long ResentEvents => Interlocked.Read(ref _resent);

    /// <summary>
    /// Checks a <c>resend-events</c> range against the log and has the shipper send it again; answers once the broker
    /// acknowledged every event of it. Runs under the command gate. The answer (ok, or an error about the range) is
    /// remembered for the request's identity: a repeat gets it again and nothing is sent again (see the README,
    /// "resend-events").
    /// </summary>
    private async Task<(byte[] Reply, string? Error)> ResendAsync(HeadOfficeRequest request, RequestKey key, CancellationToken cancellationToken)
    {
        (long from, long to) = request.Range;
        long last = _log.LastSequence;
        long count = to - from + 1;
        (byte[] Reply, string? Error) refused;
        if (to > last)
        {
            refused = ResendError("to", $"to: the branch has logged events up to {last} only (got {to})", "lastSequence", last);
        }
        else if (count > _options.MaxResendEvents)
        {
            refused = ResendError("to", $"to: at most {_options.MaxResendEvents} events per command (HeadOffice:MaxResendEvents); from {from} to {to} is {count}: ask in pieces", "maxEvents", _options.MaxResendEvents);
        }
        else
        {
            LogReader reader = _log.ReadFrom(from);
            if (reader.Skipped == 0)
            {
                return await SendAgainAsync(new ResendJob(from, to, reader, cancellationToken), key, cancellationToken).ConfigureAwait(false);
            }

            long first = reader.NextSequence;
            reader.Dispose();
            refused = ResendError("from", $"from: events before {first} were deleted by the branch's retention (EventLog:RetentionDays); the first available is {first}", "firstAvailable", first);
        }

        _resendAnswers.Remember(key, refused.Reply);
        return refused;
    }

    private async Task<(byte[] Reply, string? Error)> SendAgainAsync(ResendJob job, RequestKey key, CancellationToken cancellationToken)
    {
        lock (_resendLock)
        {
            _resendQueue.Enqueue(job);
        }

        _wake.Writer.TryWrite(true);
        string? failure = await job.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            // Not remembered: nothing was answered, so a repeat tries again.
            string error = $"resend-events: {failure}; nothing is lost, send the command again";
            return (ErrorJson(error), error);
        }

        Log.Resent(_logger, job.Count, job.From, job.To, _topics.Resent);
        byte[] reply = Json(w =>
        {
            w.WriteBoolean("ok", true);
            w.WriteNumber("from", job.From);
            w.WriteNumber("to", job.To);
            w.WriteNumber("count", job.Count);
        });
        _resendAnswers.Remember(key, reply);
        return (reply, null);
    }

    /// <summary>A repeat of a <c>resend-events</c> request answered before: the same answer, nothing sent again.</summary>
    private bool TryRepeatResend(RequestKey key, out (byte[] Reply, string? Error) answer)
    {
        answer = default;
        if (key.IsNone || !_resendAnswers.TryGet(key.Id, out long fingerprint, out byte[] reply))
        {
            return false;
        }

        if (fingerprint != key.Fingerprint)
        {
            string error = $"request identity: already used by a different command (a resend-events); give every new request its own Correlation Data or {RequestIdentity.RequestIdField}";
            answer = (ErrorJson(error), error);
            return true;
        }

        Interlocked.Increment(ref _commandsRepeated);
        Log.ResendRepeated(_logger, RequestIdentity.Text(key.Id));
        using JsonDocument document = JsonDocument.Parse(reply);
        answer = (reply, document.RootElement.GetProperty("ok").GetBoolean() ? null : document.RootElement.GetProperty("error").GetString());
        return true;
    }

    /// <summary>An error answer to <c>resend-events</c>: the message, the field it is about and, if any, the figure to go by.</summary>
    private static (byte[] Reply, string? Error) ResendError(string field, string error, string? figureName = null, long figure = 0) => (Json(w =>
    {
        w.WriteBoolean("ok", false);
        w.WriteString("error", error);
        w.WriteString("field", field);
        if (figureName is not null)
        {
            w.WriteNumber(figureName, figure);
        }
    }), error);

    /// <summary>The field a reader's error is about: the text before its first colon ("from: must be ...").</summary>
    private static string FieldOf(string error)
    {
        int colon = error.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? error[..colon] : "payload";
    }

    /// <summary>The next resend to stream, skipping those whose requester is gone (its connection ended).</summary>
    private ResendJob? TakeResendJob()
    {
        lock (_resendLock)
        {
            while (_resendQueue.TryDequeue(out ResendJob? job))
            {
                if (!job.Abandoned)
                {
                    return job;
                }

                job.Fail("the connection ended");
            }

            return null;
        }
    }

    /// <summary>Whether a resend waits for the shipper.</summary>
    private bool ResendWaiting()
    {
        lock (_resendLock)
        {
            return _resendQueue.Count > 0;
        }
    }

    /// <summary>On a stop: every resend not started is answered with an error.</summary>
    private void FailQueuedResends(string why)
    {
        lock (_resendLock)
        {
            while (_resendQueue.TryDequeue(out ResendJob? job))
            {
                job.Fail(why);
            }
        }
    }

    /// <summary>
    /// The next event to publish, live or sent again, taking turns while both have one: a resend never holds the live
    /// events up by more than one event per live event (and the window), and the live events never stop a resend.
    /// </summary>
    private bool TryNextToShip(LogReader live, ref ResendJob? job, ref bool resendTurn, out LobbyEvent e, out ResendJob? of)
    {
        job ??= TakeResendJob();
        for (int attempt = 0; attempt < 2; attempt++, resendTurn = !resendTurn)
        {
            if (resendTurn)
            {
                if (job is { } resend && resend.TryRead(out e, _logger))
                {
                    of = resend;
                    if (resend.AllRead)
                    {
                        // Its acknowledgements are counted on the job; the next resend may start streaming.
                        job = null;
                    }

                    resendTurn = false;
                    return true;
                }

                job = null;
            }
            else if (!_readerBroken && TryRead(live, out e))
            {
                of = null;
                resendTurn = true;
                return true;
            }
        }

        e = default;
        of = null;
        return false;
    }

    /// <summary>One <c>resend-events</c> being carried out: its reader over the log, and how many of its events the broker has.</summary>
    private sealed class ResendJob(long from, long to, LogReader reader, CancellationToken requester)
    {
        private long _acknowledged;
        private bool _read;

        public long From { get; } = from;

        public long To { get; } = to;

        public long Count => To - From + 1;

        /// <summary>Null when every event was acknowledged; else why not.</summary>
        public TaskCompletionSource<string?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Every event of the range has been handed to the client.</summary>
        public bool AllRead => _read;

        /// <summary>Whoever asked is gone (its connection ended): nothing to answer.</summary>
        public bool Abandoned => requester.IsCancellationRequested;

        /// <summary>Reads the next event of the range (shipping task only). False when all are read or it failed.</summary>
        public bool TryRead(out LobbyEvent e, ILogger logger)
        {
            e = default;
            if (_read || Done.Task.IsCompleted)
            {
                return false;
            }

            try
            {
                if (reader.NextSequence <= To && reader.TryRead(out e))
                {
                    if (e.Sequence == To)
                    {
                        _read = true;
                        reader.Dispose();
                    }

                    return true;
                }

                Fail($"event {reader.NextSequence} could not be read from the log");
            }
            catch (InvalidDataException ex)
            {
                Log.LogCorrupt(logger, ex.Message);
                Fail($"the log is damaged at event {reader.NextSequence} ({ex.Message})");
            }

            return false;
        }

        /// <summary>The broker acknowledged one of its events: done when it has all of them.</summary>
        public void Acknowledged()
        {
            if (++_acknowledged == Count && _read)
            {
                Done.TrySetResult(null);
            }
        }

        public void Fail(string why)
        {
            _read = true;
            reader.Dispose();
            Done.TrySetResult(why);
        }
    }

    /// <summary>
    /// The answers to <c>resend-events</c> requests, by request key, in memory (the command changes nothing durable):
    /// the most recent <see cref="ResendAnswersKept"/>. Used under the command gate only.
    /// </summary>
    private sealed class ResendAnswers(int capacity)
    {
        private readonly Dictionary<long, (long Fingerprint, byte[] Reply)> _byKey = [];
        private readonly Queue<long> _order = new();

        public void Remember(RequestKey key, byte[] reply)
        {
            if (key.IsNone || !_byKey.TryAdd(key.Id, (key.Fingerprint, reply)))
            {
                return;
            }

            _order.Enqueue(key.Id);
            if (_order.Count > capacity)
            {
                _byKey.Remove(_order.Dequeue());
            }
        }

        public bool TryGet(long key, out long fingerprint, out byte[] reply)
        {
            bool found = _byKey.TryGetValue(key, out (long Fingerprint, byte[] Reply) answer);
            fingerprint = answer.Fingerprint;
            reply = answer.Reply;
            return found;
        }
    }
}

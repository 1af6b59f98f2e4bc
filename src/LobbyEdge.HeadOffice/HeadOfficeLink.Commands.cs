using System.Buffers;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using MQTTnet;
using MQTTnet.Protocol;

namespace LobbyEdge.HeadOffice;

public sealed partial class HeadOfficeLink
{
    /// <summary>
    /// Handles one message on <c>commands/{name}</c>: validates it, runs it through the handler, and answers on
    /// its Response Topic with its Correlation Data. Runs on the MQTT client's receive task, so commands are
    /// handled one at a time and acknowledged (PUBACK) only after they were carried out and answered. A repeat of a
    /// request already decided (see <see cref="RequestIdentity"/>) is answered as the first time and not run again.
    /// </summary>
    private async Task OnCommandAsync(Session session, MqttApplicationMessageReceivedEventArgs args)
    {
        MqttApplicationMessage message = args.ApplicationMessage;
        if (!message.Topic.StartsWith(_topics.CommandPrefix, StringComparison.Ordinal))
        {
            return;
        }

        Interlocked.Increment(ref _commandsReceived);
        string name = message.Topic[_topics.CommandPrefix.Length..];
        byte[] reply;
        string? error;
        try
        {
            (reply, error) = await RunCommandAsync(name, message, session.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !session.Token.IsCancellationRequested)
        {
            // The handler failed (the engine loop stopped, a bug): head office hears of it, the link goes on. A stopped
            // engine says why (e.g. "branch storage full: ..."); nothing was carried out.
            Log.CommandFailed(_logger, name, e);
            error = e is System.Threading.Channels.ChannelClosedException ? $"refused by the branch: {e.Message}" : $"internal error: {e.GetType().Name}";
            reply = ErrorJson(error);
        }

        if (error is not null)
        {
            Interlocked.Increment(ref _commandsRejected);
            Log.CommandRejected(_logger, Printable(name), error);
        }
        else
        {
            Log.CommandDone(_logger, name);
        }

        if (string.IsNullOrEmpty(message.ResponseTopic))
        {
            Log.NoResponseTopic(_logger, Printable(name));
            return;
        }

        try
        {
            var answer = new MqttApplicationMessage
            {
                Topic = message.ResponseTopic,
                CorrelationData = message.CorrelationData,
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                ContentType = "application/json",
                PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
                Payload = new ReadOnlySequence<byte>(reply),
            };
            MqttClientPublishResult result = await session.Client.PublishAsync(answer, session.Token).ConfigureAwait(false);
            if (!Accepted(result))
            {
                Log.PublishRefused(_logger, Printable(message.ResponseTopic), result.ReasonCode.ToString(), result.ReasonString ?? "");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A response topic with wildcards, or the link dropped: the command stands, only its answer is lost.
            Log.ReplyFailed(_logger, Printable(name), Describe(e));
        }
    }

    /// <summary>
    /// Returns the reply's JSON and, when the command was not carried out, the error it holds. Under the command
    /// gate, so that a repeat arriving on a new connection while the first delivery still runs waits for it.
    /// </summary>
    private async Task<(byte[] Reply, string? Error)> RunCommandAsync(string name, MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (HeadOfficeCommandReader.KindOf(name, out string? unknown) is not { } kind)
        {
            return (ErrorJson(unknown!), unknown);
        }

        RequestKey key = RequestIdentity.Of(name, message.Payload, message.ResponseTopic, message.CorrelationData);
        if (key.IsNone && HeadOfficeCommandReader.HasEffect(kind))
        {
            string error = $"request identity: {name} needs MQTT 5 Correlation Data or a \"{RequestIdentity.RequestIdField}\" field, so that a repeat of it cannot take effect twice";
            return (ErrorJson(error), error);
        }

        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryRepeatResend(key, out (byte[] Reply, string? Error) resent))
            {
                return resent;
            }

            if (!key.IsNone)
            {
                DecidedRequest decided;
                bool known;
                try
                {
                    known = _requests.TryFind(key.Id, out decided);
                }
                catch (InvalidDataException e)
                {
                    // Without the memory a repeat cannot be recognised: nothing with an effect runs until it reads.
                    string error = $"the branch cannot check this request against the ones it carried out (event log unreadable: {e.Message})";
                    return (ErrorJson(error), error);
                }

                if (known && !(HeadOfficeCommandReader.IsConfiguration(kind) && decided.Fingerprint == key.Fingerprint))
                {
                    return Repeat(name, kind, key, in decided, message.Payload);
                }

                if (known)
                {
                    // Answered by the configuration store (it holds the change lists), never carried out again: the
                    // log's record goes with it, so that a store that lost the request still knows it is a repeat.
                    Interlocked.Increment(ref _commandsRepeated);
                    Log.CommandRepeated(_logger, name, RequestIdentity.Text(key.Id), decided.Sequence);
                    return await DecideAsync(name, kind, message.Payload, key, cancellationToken, RepeatOf(in decided)).ConfigureAwait(false);
                }
            }

            return await DecideAsync(name, kind, message.Payload, key, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    /// <summary>What the log says a configuration request decided before made (a refusal: version 0).</summary>
    private static DecidedConfiguration RepeatOf(in DecidedRequest decided) =>
        decided.Configuration ?? new DecidedConfiguration(decided.Sequence, 0, 0, ConfigurationChange.None, ConfigurationSource.HeadOffice, decided.Result.Refusal);

    /// <summary>A request decided before: the same answer again, or an error if its identity now asks for something else.</summary>
    private (byte[] Reply, string? Error) Repeat(string name, HeadOfficeRequestKind kind, RequestKey key, in DecidedRequest decided, ReadOnlySequence<byte> payload)
    {
        if (decided.Fingerprint != key.Fingerprint)
        {
            string error = $"request identity: already used by a different command (decided at event {decided.Sequence}); give every new request its own Correlation Data or {RequestIdentity.RequestIdField}";
            return (ErrorJson(error), error);
        }

        Interlocked.Increment(ref _commandsRepeated);
        Log.CommandRepeated(_logger, name, RequestIdentity.Text(key.Id), decided.Sequence);
        return Reply(kind, decided.Result, kind == HeadOfficeRequestKind.IssueTicket ? HeadOfficeCommandReader.ChannelOf(payload) : null);
    }

    /// <summary>Validates and carries out a request not decided before; with an identity, the engine records it with its effect.</summary>
    private async Task<(byte[] Reply, string? Error)> DecideAsync(
        string name, HeadOfficeRequestKind kind, ReadOnlySequence<byte> payload, RequestKey key, CancellationToken cancellationToken, DecidedConfiguration? repeat = null)
    {
        using HeadOfficeRequest? request = HeadOfficeCommandReader.Read(name, payload, _config, _time.GetUtcNow(), out string? invalid);
        if (request is null)
        {
            return kind == HeadOfficeRequestKind.ResendEvents ? ResendError(FieldOf(invalid!), invalid!) : (ErrorJson(invalid!), invalid);
        }

        switch (kind)
        {
            case HeadOfficeRequestKind.BroadcastNotice:
                {
                    HeadOfficeReply shown = await _commands.BroadcastNoticeAsync(request.Text!, request.Until, cancellationToken).ConfigureAwait(false);
                    if (shown.Error is not null)
                    {
                        return (shown.ToJson(), shown.Error);
                    }

                    // Shown, then recorded: a crash in between shows the same notice again on the redelivery, which
                    // changes nothing; once recorded, a repeat cannot bring an older notice back over a newer one.
                    CommandResult noted = await _commands.ExecuteAsync(Command.Note(key), cancellationToken).ConfigureAwait(false);
                    return Reply(kind, in noted, null);
                }

            case HeadOfficeRequestKind.UpdateConfiguration or HeadOfficeRequestKind.RollbackConfiguration or HeadOfficeRequestKind.UpdateCalendar:
                {
                    HeadOfficeReply configured = await _commands.ConfigureAsync(request.Configuration! with { Request = key, Repeat = repeat }, cancellationToken).ConfigureAwait(false);
                    return (configured.ToJson(), configured.Error);
                }

            case HeadOfficeRequestKind.ResendEvents:
                return await ResendAsync(request, key, cancellationToken).ConfigureAwait(false);

            default:
                {
                    CommandResult result = await _commands.ExecuteAsync(request.Command with { Request = key }, cancellationToken).ConfigureAwait(false);
                    return Reply(kind, in result, request.Channel);
                }
        }
    }

    /// <summary>The answer to a decided request: the first time, and the same bytes for every repeat.</summary>
    private (byte[] Reply, string? Error) Reply(HeadOfficeRequestKind kind, in CommandResult result, string? channel)
    {
        if (!result.Accepted)
        {
            HeadOfficeReply refused = HeadOfficeReply.Refused(result.Refusal);
            return (refused.ToJson(), refused.Error);
        }

        if (kind != HeadOfficeRequestKind.IssueTicket)
        {
            return (OkJson(null), null);
        }

        CommandResult ticket = result;
        return (OkJson(w => WriteTicket(w, in ticket, channel ?? "")), null);
    }

    private void WriteTicket(Utf8JsonWriter w, in CommandResult result, string channel)
    {
        w.WriteString("ticket", EventJson.TicketNumber(result.NumberService, result.Number, _config));
        w.WriteNumber("ticketId", result.Ticket);
        w.WriteString("channel", channel);
        w.WriteNumber("peopleAhead", result.PeopleAhead);
        WriteSeconds(w, "predictedWaitSeconds", result.TypicalWaitMs);
        WriteSeconds(w, "predictedWaitUpperSeconds", result.UpperWaitMs);
    }

    private static void WriteSeconds(Utf8JsonWriter w, string name, long ms)
    {
        if (ms < 0)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Math.Round(ms / 1000.0, 3));
        }
    }

    private static byte[] OkJson(Action<Utf8JsonWriter>? more) => Json(w =>
    {
        w.WriteBoolean("ok", true);
        more?.Invoke(w);
    });

    internal static byte[] ErrorJson(string error) => Json(w =>
    {
        w.WriteBoolean("ok", false);
        w.WriteString("error", error);
    });

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A topic level from the network, safe for a log line.</summary>
    private static string Printable(string text)
    {
        string cut = text.Length <= 80 ? text : text[..80] + "…";
        return string.Create(cut.Length, cut, static (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }
}

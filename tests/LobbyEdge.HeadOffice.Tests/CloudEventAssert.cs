using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>Checks what head office received against the log, event by event.</summary>
internal static class CloudEventAssert
{
    /// <summary>
    /// Every event of <paramref name="expected"/> arrived as its CloudEvent, in sequence order. With
    /// <paramref name="duplicatesAllowed"/>, an event may arrive again (a resend from the cursor after an outage
    /// or a crash), but only as an exact copy of one already received; a new event is always the next in order.
    /// </summary>
    /// <returns>How many duplicates there were.</returns>
    public static int CompleteAndInOrder(IReadOnlyList<Received> received, IReadOnlyList<LobbyEvent> expected, BranchConfig config, bool duplicatesAllowed)
    {
        var seen = new Dictionary<long, byte[]>();
        long next = expected.Count > 0 ? expected[0].Sequence : 1;
        int duplicates = 0;
        for (int i = 0; i < received.Count; i++)
        {
            Received message = received[i];
            JsonElement json = message.Json;
            long sequence = long.Parse(json.GetProperty("sequence").GetString()!, CultureInfo.InvariantCulture);
            if (seen.TryGetValue(sequence, out byte[]? first))
            {
                Assert.True(duplicatesAllowed, $"message {i}: event {sequence} arrived twice");
                Assert.True(first.AsSpan().SequenceEqual(message.Payload), $"message {i}: the duplicate of event {sequence} differs from the first copy");
                duplicates++;
                continue;
            }

            Assert.True(sequence == next, $"message {i}: event {sequence} arrived where {next} was due (missing or out of order)");
            LobbyEvent e = expected[(int)(sequence - expected[0].Sequence)];
            Matches(message, in e, config);
            seen[sequence] = message.Payload;
            next++;
        }

        Assert.True(next == expected[^1].Sequence + 1, $"received up to event {next - 1}, the log holds {expected[^1].Sequence}");
        return duplicates;
    }

    /// <summary>One message is the CloudEvent of <paramref name="e"/>, exactly as CONTRACTS.md says.</summary>
    public static void Matches(Received message, in LobbyEvent e, BranchConfig config)
    {
        string branch = config.BranchId;
        Assert.Equal($"lobby/v1/{branch}/events", message.Topic);
        Assert.False(message.Retain);
        Assert.Equal("application/cloudevents+json", message.ContentType);
        JsonElement json = message.Json;
        Assert.Equal("1.0", json.GetProperty("specversion").GetString());
        Assert.Equal($"{branch}:{e.Sequence}", json.GetProperty("id").GetString());
        Assert.Equal($"urn:lobby-edge:{branch}", json.GetProperty("source").GetString());
        Assert.Equal(EventJson.TypeOf(e.Kind), json.GetProperty("type").GetString());
        string time = json.GetProperty("time").GetString()!;
        Assert.EndsWith("Z", time, StringComparison.Ordinal);
        Assert.Equal(e.TimeUtc, DateTime.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
        string sequence = json.GetProperty("sequence").GetString()!;
        Assert.Equal(20, sequence.Length);
        Assert.Equal(e.Sequence.ToString("D20", CultureInfo.InvariantCulture), sequence);
        Assert.Equal("application/json", json.GetProperty("datacontenttype").GetString());

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CloudEventWriter.WriteData(writer, in e, config, []);
        }

        using JsonDocument data = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.True(JsonElement.DeepEquals(data.RootElement, json.GetProperty("data")), $"data of event {e.Sequence} differs: {json.GetProperty("data").GetRawText()} vs {data.RootElement.GetRawText()}");
        string? subject = CloudEventWriter.SubjectOf(in e, config, []);
        if (subject is null)
        {
            Assert.False(json.TryGetProperty("subject", out _), $"event {e.Sequence} has a subject");
        }
        else
        {
            Assert.Equal(subject, json.GetProperty("subject").GetString());
        }

        Assert.Equal(subject is null ? 8 : 9, json.EnumerateObject().Count());
    }
}

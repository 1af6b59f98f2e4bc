using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LobbyEdge.Engine;
using LobbyEdge.HeadOffice;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// Encoding the events a backlog drain ships: 1,024 consecutive events from the middle of the recorded busy day, each
/// written as its CloudEvent (<see cref="CloudEventWriter.Write(Utf8JsonWriter, in LobbyEvent, HeadOfficeTopics, BranchConfig)"/>)
/// into one reused buffer, as the head-office link does per event. <c>Validated</c> is the writer's default options
/// (the baseline), <c>Shipping</c> the link's (<see cref="CloudEventWriter.ShippingOptions"/>). Both must write the
/// same bytes (checked at setup).
/// </summary>
[MemoryDiagnoser]
public class CloudEventBenchmarks
{
    private const int Count = 1024;
    private LobbyEvent[] _events = [];
    private BranchConfig _config = null!;
    private HeadOfficeTopics _topics = null!;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter _validated = null!;
    private Utf8JsonWriter _shipping = null!;

    [GlobalSetup]
    public void Record()
    {
        _config = Lobby.Busy();
        LobbyEvent[] day = DayLog.Events(_config, DayReplay.RecordBusyDay(_config));
        int from = Math.Max(0, (day.Length / 2) - (Count / 2));
        _events = day.AsSpan(from, Math.Min(Count, day.Length - from)).ToArray();
        _topics = new HeadOfficeTopics(_config.BranchId);
        _validated = new Utf8JsonWriter(_buffer);
        _shipping = new Utf8JsonWriter(_buffer, CloudEventWriter.ShippingOptions);
        foreach (LobbyEvent e in _events)
        {
            if (!Encode(_validated, in e).SequenceEqual(Encode(_shipping, in e).ToArray()))
            {
                throw new InvalidOperationException($"event {e.Sequence}: the shipping options write other bytes");
            }
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _validated.Dispose();
        _shipping.Dispose();
    }

    /// <summary>Total bytes written, with the writer's default options (validation on).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public long Validated() => EncodeAll(_validated);

    /// <summary>Total bytes written, with the link's options.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public long Shipping() => EncodeAll(_shipping);

    private long EncodeAll(Utf8JsonWriter writer)
    {
        long bytes = 0;
        foreach (LobbyEvent e in _events)
        {
            bytes += Encode(writer, in e).Length;
        }

        return bytes;
    }

    private ReadOnlySpan<byte> Encode(Utf8JsonWriter writer, in LobbyEvent e)
    {
        _buffer.ResetWrittenCount();
        writer.Reset(_buffer);
        CloudEventWriter.Write(writer, in e, _topics, _config);
        writer.Flush();
        return _buffer.WrittenSpan;
    }
}

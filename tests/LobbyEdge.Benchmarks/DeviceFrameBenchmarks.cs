using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// The device frames on the hot path, one frame per operation: <c>caller68</c> key frames parsed and display
/// frames encoded (CONTRACTS.md, "Caller keypad protocol"), ESC/POS status bytes parsed (<c>DLE EOT n</c> replies
/// and Automatic Status Back frames), and the profile-defined LED display frames encoded. Every one must allocate
/// nothing (the <c>Allocated</c> column).
/// </summary>
[MemoryDiagnoser]
public class DeviceFrameBenchmarks
{
    private static readonly KeypadInput s_input = new(3);

    private readonly byte[] _keyFrame = new byte[Caller68Codec.MaxFrameLength];
    private readonly byte[] _transferFrame = new byte[Caller68Codec.MaxFrameLength];
    private readonly byte[] _corruptFrame = new byte[Caller68Codec.MaxFrameLength];
    private readonly byte[] _out = new byte[DisplayModel.MaxFrameLength];
    private readonly byte[] _asb = [0x10, 0x00, 0x03, 0x00];
    private readonly byte[] _realTime = [0x16, 0x12, 0x12, 0x1E];
    private int _keyLength;
    private int _transferLength;
    private int _corruptLength;
    private int _number;
    private DisplayModel _counterModel = null!;
    private DisplayModel _mainModel = null!;
    private DisplayText _counterText = null!;
    private DisplayText _mainText = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Call next at keypad 3: FF 68 03 03 68 03 01 0C 10 16.
        _keyLength = Caller68Codec.Encode(3, Caller68Codec.FunctionKey, [0x0C], _keyFrame);

        // Transfer to service 2 (the longest key frame a keypad sends): digit 02, then 13.
        _transferLength = Caller68Codec.Encode(3, Caller68Codec.FunctionKey, [0x02, 0x13], _transferFrame);
        _corruptLength = Caller68Codec.Encode(3, Caller68Codec.FunctionKey, [0x0C], _corruptFrame);
        _corruptFrame[_corruptLength - 2] ^= 0x01;

        string models = Path.Combine(RepositoryRoot(), "hardware-profiles", "devices");
        _counterModel = BranchProfileLoader.LoadDisplayModel(Path.Combine(models, "led-counter-1line.yaml"));
        _mainModel = BranchProfileLoader.LoadDisplayModel(Path.Combine(models, "led-main-4line.yaml"));
        _counterText = new DisplayText(["A023"], Blink: true);
        _mainText = new DisplayText(["请 A023 到 3 号窗口", "A022 -> 5  B011 -> 6", "C004 -> 7  V002 -> 1", "等候人数 Waiting: 42"], Blink: true);
    }

    [Benchmark(Description = "caller68: parse a key frame (call next)")]
    public int ParseKeyFrame()
    {
        Caller68Codec.Scan(_keyFrame.AsSpan(0, _keyLength), out Caller68Frame frame, out int consumed, out _);
        return frame.Address + frame.Data[^1] + consumed;
    }

    [Benchmark(Description = "caller68: parse a key frame (transfer) and map the keys to a command")]
    public int ParseTransferToCommand()
    {
        Caller68Codec.Scan(_transferFrame.AsSpan(0, _transferLength), out Caller68Frame frame, out int consumed, out _);
        KeyOutcome outcome = s_input.Press(frame.Data, 0, out Command command);
        return (int)outcome + command.Service + consumed;
    }

    [Benchmark(Description = "caller68: reject a frame with a bad checksum")]
    public int RejectCorruptFrame()
    {
        Caller68Codec.Scan(_corruptFrame.AsSpan(0, _corruptLength), out _, out int consumed, out Caller68Rejection rejection);
        return (int)rejection + consumed;
    }

    [Benchmark(Description = "caller68: encode a keypad display frame (FUNC 02)")]
    public int EncodeKeypadDisplay() => Caller68Codec.EncodeDisplay(3, 42, ++_number % 1000, _out);

    [Benchmark(Description = "caller68: encode the echo of a key frame")]
    public int EncodeKeyFrame() => Caller68Codec.Encode(3, Caller68Codec.FunctionKey, [0x0C], _out);

    [Benchmark(Description = "ESC/POS: parse DLE EOT 1, 2, 3, 4 replies (4 bytes)")]
    public int ParseRealTimeStatus()
    {
        PrinterCondition condition = default;
        byte[] replies = _realTime;
        for (byte n = 1; n <= 4; n++)
        {
            byte b = replies[n - 1];
            if (PrinterCondition.IsRealTimeStatus(b))
            {
                condition = condition.WithRealTimeStatus(n, b);
            }
        }

        return (int)condition.Status + (int)condition.Paper;
    }

    [Benchmark(Description = "ESC/POS: parse an Automatic Status Back frame (4 bytes)")]
    public int ParseAutomaticStatusBack()
    {
        ReadOnlySpan<byte> asb = _asb;
        if (!PrinterCondition.IsAsbFirstByte(asb[0]) || !PrinterCondition.IsAsbFollowingByte(asb[1]))
        {
            return -1;
        }

        PrinterCondition condition = default(PrinterCondition).WithAutomaticStatusBack(asb);
        return (int)condition.Status + (int)condition.Paper;
    }

    [Benchmark(Description = "display: encode a counter display frame (ASCII address, GB2312, xor8 hex)")]
    public int EncodeCounterDisplay() => _counterModel.Encode(3, _counterText, 0, _out);

    [Benchmark(Description = "display: encode a main display line frame (binary, GB2312, CRC-16/MODBUS)")]
    public int EncodeMainDisplayLine() => _mainModel.Encode(20, _mainText, ++_number & 3, _out);

    /// <summary>The repository's root: up from the working directory (the README's command runs from it), else from this file's path.</summary>
    internal static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) })
        {
            for (string? dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "hardware-profiles", "devices", "caller68.yaml")))
                {
                    return dir;
                }
            }
        }

        throw new DirectoryNotFoundException("run from the repository (hardware-profiles/devices not found above the working directory)");
    }
}

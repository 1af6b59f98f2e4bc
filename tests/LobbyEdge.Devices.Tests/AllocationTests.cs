using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Profiles;

namespace LobbyEdge.Devices.Tests;

public sealed class AllocationTests
{
    [Fact]
    public void FrameParseAndEncode_AllocateNothing()
    {
        DisplayModel counter = BranchProfileLoader.LoadDisplayModel(Path.Combine(AppContext.BaseDirectory, "devices", "led-counter-1line.yaml"));
        var text = new DisplayText(["A023"], Blink: true);

        // Checksums by parameters: the CRC tables are built at load, so a CRC-16/CCITT or CRC-32 frame allocates nothing either.
        DisplayModel ccitt = BranchProfileLoader.LoadDisplayModel(Path.Combine(AppContext.BaseDirectory, "devices", "led-counter-crc16ccitt.yaml"));
        DirectoryInfo dir = Directory.CreateTempSubdirectory("le-alloc-");
        DisplayModel crc32 = DisplayFrameTests.ModelWithFrame("gb2312", """
              - bytes: [0x7E]
              - address: {format: hex, size: 2, case: lower}
              - text: {width: 16}
              - checksum: {kind: crc32, format: hex, case: lower, from: address, to: text}
              - checksum: {kind: sum16-ones, format: decimal, from: address, to: text}
                name: sum
            """, dir.FullName);
        dir.Delete(recursive: true);
        var chinese = new DisplayText(["A023 请到3号窗口"], Blink: false);
        byte[] frame = new byte[64];
        byte[] display = new byte[64];
        byte[] key = new byte[16];
        int keyLength = Caller68Codec.Encode(3, 0x01, [0x06, 0x0F], key);

        long Run(int rounds)
        {
            long sum = 0;
            for (int i = 0; i < rounds; i++)
            {
                Caller68Codec.Scan(key.AsSpan(0, keyLength), out Caller68Frame f, out int consumed, out _);
                sum += f.Address + f.Data.Length + consumed;
                sum += Caller68Codec.EncodeDisplay(3, i % 1200, i % 999, frame);
                sum += Caller68Codec.EncodeBeep(3, frame);
                Caller68Codec.Scan(frame.AsSpan(0, 3), out _, out _, out _);
                PrinterCondition c = new PrinterCondition { Responding = true }.WithRealTimeStatus(4, (byte)(0x12 | (i & 0x0C)));
                sum += (int)c.Status;
                sum += counter.Encode(i % 99, text, 0, display);
                sum += ccitt.Encode(i % 200, chinese, 0, display);
                sum += crc32.Encode(i % 200, chinese, 0, display);
            }

            return sum;
        }

        Run(1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long result = Run(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(result > 0);
        Assert.Equal(0, allocated);
    }
}

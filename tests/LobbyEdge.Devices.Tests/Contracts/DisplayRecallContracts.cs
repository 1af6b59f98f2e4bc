using LobbyEdge.Devices.Displays;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests.Contracts;

/// <summary>
/// A recall puts a frame on the wire for each recall action (resend, template, blink), even when its bytes are the
/// call's; an unrelated update with the same text and cue sends nothing. The display model is
/// <c>led-counter-crc16ccitt</c> (no blink field) and two variants of it; the far end decodes every frame.
/// </summary>
public abstract class DisplayRecallContract
{
    private static readonly DeviceInfo s_line = new(0, "displays", DeviceKind.SerialLine);

    /// <summary>A fresh line of this transport.</summary>
    protected abstract Task<SerialRig> CreateRigAsync();

    public static TheoryData<string> Actions => ["resend", "template", "blink"];

    /// <summary>The shipped CRC-16/CCITT model changed to the recall action (template: with a recall message; blink: with a blink field).</summary>
    internal static DisplayModel ModelFor(string action, string directory)
    {
        string yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "devices", "led-counter-crc16ccitt.yaml"))
            .Replace("recall: {action: resend}", $"recall: {{action: {action}}}", StringComparison.Ordinal);
        if (action == "template")
        {
            yaml = yaml.Replace("  call:   {text: [\"{number}\"]}", "  call:   {text: [\"{number}\"]}\n  recall: {text: [\"{number} 请\"]}", StringComparison.Ordinal);
        }
        else if (action == "blink")
        {
            yaml = yaml.Replace("    name: command\n", "    name: command\n  - blink: {on: [0x31], off: [0x30]}\n", StringComparison.Ordinal);
        }

        string path = Path.Combine(directory, $"led-recall-{action}.yaml");
        File.WriteAllText(path, yaml);
        return BranchProfileLoader.LoadDisplayModel(path);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task CallThenRecall_TwoFramesOnTheWire_AnUnrelatedSameUpdateSendsNone(string action)
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("le-recall-");
        try
        {
            DisplayModel model = ModelFor(action, dir.FullName);
            var bus = new LedDisplayBus(s_line, [new DisplayAssignment(new DeviceInfo(1, "counter-3", DeviceKind.Display), 3, model)]);
            var twin = new VirtualDisplayBus(new Dictionary<int, DisplayModel> { [3] = model });
            await using TwinBench<LedDisplayBus, VirtualDisplayBus> bench = await TwinBench<LedDisplayBus, VirtualDisplayBus>.StartAsync(await CreateRigAsync(), s_line, bus, twin);
            await Eventually.UntilAsync(() => bench.Link.IsOnline, $"the display line to open over the {bench.Rig}");

            var values = new DisplayValues { Number = "A023", Counter = 3 };
            DisplayText call = model.Render(DisplayMessageKind.Call, values, cue: 1);
            DisplayText recall = model.Render(DisplayMessageKind.Recall, values, cue: 2);
            bus.Show(1, call);
            await Eventually.UntilAsync(() => twin.FramesTo(3).Count == 1, $"the call frame over the {bench.Rig}");
            bus.Show(1, recall);
            await Eventually.UntilAsync(() => twin.FramesTo(3).Count == 2, $"the recall frame over the {bench.Rig}",
                detail: () => $"{twin.FramesTo(3).Count} frame(s)");

            // The same text and cue again (another counter's event touched this one): dropped. The next new text is
            // the third frame, so nothing went out in between.
            bus.Show(1, model.Render(DisplayMessageKind.Recall, values, cue: 2));
            bus.Show(1, model.Render(DisplayMessageKind.Idle, values));
            await Eventually.UntilAsync(() => twin.FramesTo(3).Count == 3, $"the idle frame over the {bench.Rig}");

            IReadOnlyList<byte[]> frames = twin.FramesTo(3);
            Assert.Equal(Encode(model, call), frames[0]);
            Assert.Equal(Encode(model, recall), frames[1]);
            Assert.Equal(Encode(model, model.Render(DisplayMessageKind.Idle, values)), frames[2]);
            switch (action)
            {
                case "resend":
                    Assert.Equal(frames[0], frames[1]);
                    break;
                case "template":
                    Assert.Equal(["A023 请"], recall.Lines);
                    break;
                default:
                    Assert.False(call.Blink);
                    Assert.True(recall.Blink);
                    Assert.Equal(call.Lines, recall.Lines);
                    break;
            }

            Assert.Equal(0, twin.Undecodable);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static byte[] Encode(DisplayModel model, DisplayText text)
    {
        byte[] frame = new byte[DisplayModel.MaxFrameLength];
        return frame[..model.Encode(3, text, 0, frame)];
    }
}

public sealed class VirtualHubDisplayRecallTests : DisplayRecallContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new VirtualHubRig());
}

[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class PtyDisplayRecallTests : DisplayRecallContract
{
    protected override async Task<SerialRig> CreateRigAsync() => await PtyRig.StartAsync();
}

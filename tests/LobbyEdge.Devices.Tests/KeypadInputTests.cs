using LobbyEdge.Devices.Keypad;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Tests;

public sealed class KeypadInputTests
{
    public static TheoryData<byte[], Command> Keys => new()
    {
        { [0x0C], Command.CallNext(3) },
        { [0x0D], Command.Recall(3) },
        { [0x0B], Command.Finish(3) },
        { [0x12], Command.Pause(3) },
        { [0x14], Command.Resume(3) },
        { [0x02, 0x13], Command.Transfer(3, 1) },
        { [0x06, 0x0F], Command.NoShow(3) },
        { [0x00, 0x0F], Command.Park(3) },
        { [0x03, 0x0F], Command.CallBack(3) },
        { [0x07, 0x0F], Command.RecoverLastAt(3) },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Press_MapsKeyToCommand(byte[] data, Command expected)
    {
        var input = new KeypadInput(3);
        Assert.Equal(KeyOutcome.Command, input.Press(data, 0, out Command command));
        Assert.Equal(expected, command);
    }

    [Fact]
    public void SeparateDigits_ThenConfirm_IsNoShow()
    {
        var input = new KeypadInput(3);
        Assert.Equal(KeyOutcome.Digit, input.Press([0x06], 0, out _));
        Assert.Equal(KeyOutcome.Command, input.Press([0x0F], 1, out Command command));
        Assert.Equal(Command.NoShow(3), command);
    }

    [Fact]
    public void CancelInput_ForgetsDigits()
    {
        var input = new KeypadInput(3);
        input.Press([0x06], 0, out _);
        Assert.Equal(KeyOutcome.InputCancelled, input.Press([0x0E], 1, out _));
        Assert.Equal(KeyOutcome.Invalid, input.Press([0x0F], 2, out _));
    }

    [Fact]
    public void Digits_ExpireAfterTimeout()
    {
        var input = new KeypadInput(3);
        input.Press([0x02], 0, out _);
        Assert.Equal(KeyOutcome.Invalid, input.Press([0x13], KeypadInput.DigitTimeout.Ticks + 1, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x10 })]
    [InlineData(new byte[] { 0x08, 0x0F })]
    public void FinishAndRate_IsTheFinish_MarkedToAskForARating(byte[] data)
    {
        var input = new KeypadInput(3);
        Assert.Equal(KeyOutcome.FinishAndRate, input.Press(data, 0, out Command command));
        Assert.Equal(Command.Finish(3), command);
    }

    [Fact]
    public void FinishAndRate_WithTheDigitPressedSeparately_IsFinishAndRate()
    {
        var input = new KeypadInput(3);
        Assert.Equal(KeyOutcome.Digit, input.Press([0x08], 0, out _));
        Assert.Equal(KeyOutcome.FinishAndRate, input.Press([0x0F], 1, out Command command));
        Assert.Equal(Command.Finish(3), command);
    }

    [Theory]
    [InlineData(new byte[] { 0x09, 0x0F })]
    [InlineData(new byte[] { 0x13 })]
    [InlineData(new byte[] { 0x55 })]
    [InlineData(new byte[] { 0x00, 0x13 })]
    public void Press_Meaningless_IsInvalid(byte[] data)
    {
        Assert.Equal(KeyOutcome.Invalid, new KeypadInput(3).Press(data, 0, out _));
    }
}

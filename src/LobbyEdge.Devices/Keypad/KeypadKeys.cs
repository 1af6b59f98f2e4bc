using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Keypad;

/// <summary>Key codes of the <c>caller68</c> keypad: the last DATA byte of a key press (FUNC 01).</summary>
public static class KeypadKeys
{
    /// <summary>Finish the current ticket.</summary>
    public const byte Finish = 0x0B;

    /// <summary>Call the next ticket.</summary>
    public const byte CallNext = 0x0C;

    /// <summary>Announce the called ticket again.</summary>
    public const byte Recall = 0x0D;

    /// <summary>Clear the digits typed so far.</summary>
    public const byte CancelInput = 0x0E;

    /// <summary>Confirm the digit before it: 6 no-show, 0 park, 3 call back, 7 recover, 8 finish and rate.</summary>
    public const byte Confirm = 0x0F;

    /// <summary>
    /// Finish and rate (评价): finish the current ticket, then ask its customer to rate at the counter's rating pad
    /// or page (a LobbyEdge key code; the 21-key callers' 评价 key is set to send it).
    /// </summary>
    public const byte FinishAndRate = 0x10;

    /// <summary>Pause the counter.</summary>
    public const byte Pause = 0x12;

    /// <summary>Transfer to the service whose 1-based position the digits before it give.</summary>
    public const byte Transfer = 0x13;

    /// <summary>Resume from pause or away.</summary>
    public const byte Resume = 0x14;

    /// <summary>Confirm digit: the called customer did not come (空号).</summary>
    public const byte DigitNoShow = 6;

    /// <summary>Confirm digit: park the current ticket.</summary>
    public const byte DigitPark = 0;

    /// <summary>Confirm digit: call back a parked ticket.</summary>
    public const byte DigitCallBack = 3;

    /// <summary>Confirm digit: recover the counter's last no-show.</summary>
    public const byte DigitRecover = 7;

    /// <summary>Confirm digit: finish and rate, for keypads without a 评价 key (the same as <see cref="FinishAndRate"/>).</summary>
    public const byte DigitFinishAndRate = 8;
}

/// <summary>What a key press amounts to.</summary>
public enum KeyOutcome : byte
{
    /// <summary>A digit was stored; nothing to do yet.</summary>
    Digit = 0,

    /// <summary>A command for the engine.</summary>
    Command,

    /// <summary>The digits typed so far were cleared.</summary>
    InputCancelled,

    /// <summary>The press does not mean anything (unknown key, confirm without a known digit, transfer without digits).</summary>
    Invalid,

    /// <summary>
    /// Finish and rate: the command is the finish; once it is accepted, the host asks for a rating
    /// (<see cref="Command.RequestRating"/>).
    /// </summary>
    FinishAndRate,
}

/// <summary>
/// Turns a counter keypad's key presses into engine commands. Digits may come inside the function key's frame
/// (<c>06 0F</c> = no-show) or as separate presses before it; separate digits are kept for
/// <see cref="DigitTimeout"/> and cleared by cancel input (<c>0E</c>). One instance per keypad; not thread-safe.
/// </summary>
public sealed class KeypadInput
{
    /// <summary>Digits typed more than this long before their function key are forgotten.</summary>
    public static readonly TimeSpan DigitTimeout = TimeSpan.FromSeconds(10);

    private const int MaxDigits = 3;
    private readonly int _counter;
    private readonly byte[] _digits = new byte[MaxDigits];
    private int _digitCount;
    private long _lastDigitTicks;

    /// <summary>Creates the input state of the keypad at a counter.</summary>
    public KeypadInput(int counter)
    {
        _counter = counter;
    }

    /// <summary>Handles one key press frame's DATA; the last byte is the key.</summary>
    /// <param name="data">The frame's DATA (at least one byte).</param>
    /// <param name="nowTicks">Now, for the digit timeout.</param>
    /// <param name="command">The command, when the outcome is <see cref="KeyOutcome.Command"/>.</param>
    public KeyOutcome Press(ReadOnlySpan<byte> data, long nowTicks, out Command command)
    {
        command = default;
        if (data.IsEmpty)
        {
            return KeyOutcome.Invalid;
        }

        if (_digitCount > 0 && nowTicks - _lastDigitTicks > DigitTimeout.Ticks)
        {
            _digitCount = 0;
        }

        byte key = data[^1];
        ReadOnlySpan<byte> inline = data[..^1];
        if (key <= 9)
        {
            // Separate digit presses (and any digits sent with them) wait for their function key.
            foreach (byte d in data)
            {
                if (d > 9)
                {
                    return KeyOutcome.Invalid;
                }

                AddDigit(d);
            }

            _lastDigitTicks = nowTicks;
            return KeyOutcome.Digit;
        }

        // Digits in the frame win over digits typed before; either way they are used up now.
        Span<byte> digits = stackalloc byte[MaxDigits];
        int count;
        if (!inline.IsEmpty)
        {
            count = Math.Min(inline.Length, MaxDigits);
            inline[^count..].CopyTo(digits);
        }
        else
        {
            count = _digitCount;
            _digits.AsSpan(0, count).CopyTo(digits);
        }

        _digitCount = 0;
        foreach (byte d in digits[..count])
        {
            if (d > 9)
            {
                return KeyOutcome.Invalid;
            }
        }

        switch (key)
        {
            case KeypadKeys.CallNext:
                command = Command.CallNext(_counter);
                return KeyOutcome.Command;
            case KeypadKeys.Recall:
                command = Command.Recall(_counter);
                return KeyOutcome.Command;
            case KeypadKeys.Finish:
                command = Command.Finish(_counter);
                return KeyOutcome.Command;
            case KeypadKeys.FinishAndRate:
                command = Command.Finish(_counter);
                return KeyOutcome.FinishAndRate;
            case KeypadKeys.Pause:
                command = Command.Pause(_counter);
                return KeyOutcome.Command;
            case KeypadKeys.Resume:
                command = Command.Resume(_counter);
                return KeyOutcome.Command;
            case KeypadKeys.CancelInput:
                return KeyOutcome.InputCancelled;
            case KeypadKeys.Transfer:
                int target = 0;
                foreach (byte d in digits[..count])
                {
                    target = (target * 10) + d;
                }

                if (count == 0 || target < 1)
                {
                    return KeyOutcome.Invalid;
                }

                command = Command.Transfer(_counter, target - 1);
                return KeyOutcome.Command;
            case KeypadKeys.Confirm:
                if (count != 1)
                {
                    return KeyOutcome.Invalid;
                }

                switch (digits[0])
                {
                    case KeypadKeys.DigitNoShow:
                        command = Command.NoShow(_counter);
                        return KeyOutcome.Command;
                    case KeypadKeys.DigitPark:
                        command = Command.Park(_counter);
                        return KeyOutcome.Command;
                    case KeypadKeys.DigitCallBack:
                        command = Command.CallBack(_counter);
                        return KeyOutcome.Command;
                    case KeypadKeys.DigitRecover:
                        command = Command.RecoverLastAt(_counter);
                        return KeyOutcome.Command;
                    case KeypadKeys.DigitFinishAndRate:
                        command = Command.Finish(_counter);
                        return KeyOutcome.FinishAndRate;
                    default:
                        return KeyOutcome.Invalid;
                }

            default:
                return KeyOutcome.Invalid;
        }
    }

    private void AddDigit(byte digit)
    {
        if (_digitCount == MaxDigits)
        {
            // Keep the last digits typed, like a calculator that scrolls.
            _digits[0] = _digits[1];
            _digits[1] = _digits[2];
            _digitCount--;
        }

        _digits[_digitCount++] = digit;
    }
}

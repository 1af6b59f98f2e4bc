namespace LobbyEdge.Profiles.Tests;

/// <summary>The one scalar grammar (YAML 1.2 core schema forms), as every profile section reads it.</summary>
public sealed class ProfileScalarsTests
{
    [Fact]
    public void TryParseBoolean_CoreSchemaForms_AreYesNo()
    {
        (string Text, bool Value)[] forms = [("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false), ("FALSE", false)];

        Assert.All(forms, form => Assert.Equal((true, form.Value), (ProfileScalars.TryParseBoolean(form.Text, out bool value), value)));
    }

    [Fact]
    public void TryParseBoolean_AnythingElse_IsNotOne()
    {
        // YAML 1.1's words, mixed case (accepted by the branch sections before one reader), numbers, nothing.
        string[] others = ["yes", "no", "on", "off", "tRUE", "fAlse", "1", ""];

        Assert.All(others, text => Assert.False(ProfileScalars.TryParseBoolean(text, out _), text));
    }

    [Fact]
    public void TryParseInteger_DecimalOrHex_IsAWholeNumber()
    {
        (string Text, int Value)[] numbers =
        [
            ("42", 42), ("-3", -3), ("+5", 5), ("0", 0), ("0x1F", 31), ("0X1f", 31), ("0x7FFFFFFF", int.MaxValue), ("2147483647", int.MaxValue),
        ];

        Assert.All(numbers, number => Assert.Equal((true, number.Value), (ProfileScalars.TryParseInteger(number.Text, out int value), value)));
    }

    [Fact]
    public void TryParseInteger_AnythingElse_IsNotOne()
    {
        // No sign on hex, nothing past 32 bits, no YAML 1.1 binary, octal or separators, no fractions or spaces.
        string[] others = ["0x", "0xZZ", "-0x1", "0x80000000", "0xFFFFFFFF", "99999999999999999999", "1_000", "0b101", "0o17", "5.5", " 5", "lots"];

        Assert.All(others, text => Assert.False(ProfileScalars.TryParseInteger(text, out _), text));
    }
}

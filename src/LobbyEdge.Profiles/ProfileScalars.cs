using System.Globalization;

namespace LobbyEdge.Profiles;

/// <summary>
/// The one scalar grammar of every profile file, branch sections, hardware sections and device models alike
/// (hardware-profiles/README.md, "YAML in three rules"): what a yes/no and what a whole number may look like.
/// </summary>
/// <remarks>
/// The forms are YAML 1.2's core schema, the same schema the empty value already follows (<c>~</c>, <c>null</c>,
/// <c>Null</c>, <c>NULL</c> mean "not set"): a reader that knows YAML reads a profile the way LobbyEdge does.
/// YAML 1.1's <c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c>, octal and binary forms, digit separators and
/// fractions are refused: YAML tools disagree about what they mean.
/// </remarks>
public static class ProfileScalars
{
    /// <summary>
    /// Reads a yes/no: <c>true</c>, <c>True</c>, <c>TRUE</c>, <c>false</c>, <c>False</c> or <c>FALSE</c>; anything
    /// else (<c>yes</c>, <c>on</c>, <c>tRUE</c>, <c>1</c>) is not one.
    /// </summary>
    /// <param name="text">The scalar's text.</param>
    /// <param name="value">The value read; false when the text is not a yes/no.</param>
    /// <returns>Whether <paramref name="text"/> is a yes/no.</returns>
    public static bool TryParseBoolean(string text, out bool value)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>
    /// Reads a whole number: decimal digits with an optional sign (<c>42</c>, <c>-3</c>, <c>+5</c>), or
    /// <c>0x</c> and hexadecimal digits (<c>0x1F</c>, for bytes and addresses as datasheets write them). The value
    /// must fit a 32-bit signed integer; ranges are the field's own check.
    /// </summary>
    /// <param name="text">The scalar's text.</param>
    /// <param name="value">The value read; 0 when the text is not a whole number.</param>
    /// <returns>Whether <paramref name="text"/> is a whole number.</returns>
    public static bool TryParseInteger(string text, out int value)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            bool hex = uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint unsigned)
                && unsigned <= int.MaxValue;
            value = hex ? (int)unsigned : 0;
            return hex;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}

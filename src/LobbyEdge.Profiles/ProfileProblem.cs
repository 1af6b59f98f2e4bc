using System.Globalization;

namespace LobbyEdge.Profiles;

/// <summary>
/// One thing wrong with a profile file, located by file, line and column (1-based) and by the
/// field path the profile documentation uses, e.g. <c>services[1].prefix</c>.
/// </summary>
/// <param name="File">The profile's path as it was given to the loader.</param>
/// <param name="Line">1-based line, or 0 when the problem is with the file as a whole.</param>
/// <param name="Column">1-based column, or 0 when the problem is with the file as a whole.</param>
/// <param name="Field">The field path, e.g. <c>branch.close</c>; <see langword="null"/> for file and syntax problems.</param>
/// <param name="Message">What is wrong, in words a field technician can act on.</param>
public sealed record ProfileProblem(string File, int Line, int Column, string? Field, string Message)
{
    /// <summary>
    /// The problem as one line, <c>file:line:column: field: message</c>, the form compilers use,
    /// so editors and terminals can jump to the spot.
    /// </summary>
    public override string ToString()
    {
        string location = Line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}")
            : File;
        return string.IsNullOrEmpty(Field)
            ? $"{location}: {Message}"
            : $"{location}: {Field}: {Message}";
    }
}

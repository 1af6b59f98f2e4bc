namespace LobbyEdge.Profiles;

/// <summary>
/// A profile that cannot be used. Carries every problem found, not just the first, so a
/// technician can fix the file in one pass. <see cref="Exception.Message"/> is one
/// <c>file:line:column: field: message</c> line per problem, ready for stderr; the host exits
/// with code 2 after printing it.
/// </summary>
public sealed class ProfileException : Exception
{
    /// <summary>Creates the exception from the problems found; there must be at least one.</summary>
    /// <param name="problems">The problems, in the order they are to be shown.</param>
    public ProfileException(IEnumerable<ProfileProblem> problems)
        : this(ToNonEmptyList(problems))
    {
    }

    private ProfileException(IReadOnlyList<ProfileProblem> problems)
        : base(string.Join('\n', problems))
    {
        Problems = problems;
        ProfileProblem first = problems[0];
        File = first.File;
        Line = first.Line;
        Column = first.Column;
        Field = first.Field;
    }

    /// <summary>The profile's path as it was given to the loader.</summary>
    public string File { get; }

    /// <summary>1-based line of the first problem, or 0 when it concerns the file as a whole.</summary>
    public int Line { get; }

    /// <summary>1-based column of the first problem, or 0 when it concerns the file as a whole.</summary>
    public int Column { get; }

    /// <summary>Field path of the first problem (e.g. <c>services[1].prefix</c>), or <see langword="null"/>.</summary>
    public string? Field { get; }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<ProfileProblem> Problems { get; }

    private static ProfileProblem[] ToNonEmptyList(IEnumerable<ProfileProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ProfileProblem[] list = [.. problems];
        if (list.Length == 0)
        {
            throw new ArgumentException("At least one problem is needed.", nameof(problems));
        }

        return list;
    }
}

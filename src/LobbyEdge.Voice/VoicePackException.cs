namespace LobbyEdge.Voice;

/// <summary>
/// A voice pack that cannot be used. Carries every problem found, not just the first, so whoever records or
/// generates the pack can fix it in one pass. <see cref="Exception.Message"/> names the pack's directory and has
/// one <c>clip file: problem</c> line per problem.
/// </summary>
public sealed class VoicePackException : Exception
{
    /// <summary>Creates the exception for the pack at <paramref name="directory"/>; there must be at least one problem.</summary>
    /// <param name="directory">The pack's directory as it was given to the loader.</param>
    /// <param name="problems">One line per problem, each starting with the clip's file relative to the pack.</param>
    public VoicePackException(string directory, IEnumerable<string> problems)
        : this(directory, ToNonEmptyList(problems))
    {
    }

    private VoicePackException(string directory, IReadOnlyList<string> problems)
        : base($"Voice pack {directory} cannot be used:\n  " + string.Join("\n  ", problems))
    {
        Directory = directory;
        Problems = problems;
    }

    /// <summary>The pack's directory.</summary>
    public string Directory { get; }

    /// <summary>The problems, e.g. <c>zh/please.wav: missing (should say "请")</c>.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static IReadOnlyList<string> ToNonEmptyList(IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        string[] list = [.. problems];
        return list.Length > 0 ? list : throw new ArgumentException("at least one problem is needed", nameof(problems));
    }
}

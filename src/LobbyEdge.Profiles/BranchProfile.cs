using LobbyEdge.Engine;

namespace LobbyEdge.Profiles;

/// <summary>
/// What a branch profile says, as <see cref="BranchProfileLoader.Load"/> returns it: the branch for the engine, its
/// hardware and its voice settings.
/// </summary>
/// <param name="Branch">The branch, its day, services and counters; <see cref="BranchConfig.Validate"/> accepts it.</param>
/// <param name="Hardware">The devices the profile names (<see cref="BranchHardware.Empty"/> for a branch without any).</param>
/// <param name="Voice">The announcements' settings (<see cref="VoiceSettings.Unset"/> without a <c>voice:</c> section).</param>
public sealed record BranchProfile(BranchConfig Branch, BranchHardware Hardware, VoiceSettings Voice);

/// <summary>The <c>voice:</c> section of a branch profile.</summary>
/// <param name="Languages">
/// The languages of the call announcements in the order spoken (<c>zh-CN</c>, <c>en</c>; each once, at least one),
/// or null when the profile does not say (the box's <c>Voice:Languages</c> applies).
/// </param>
public sealed record VoiceSettings(IReadOnlyList<string>? Languages)
{
    /// <summary>No <c>voice:</c> section: every setting is the box's.</summary>
    public static readonly VoiceSettings Unset = new((IReadOnlyList<string>?)null);
}

namespace LobbyEdge.Service.Configuration;

/// <summary>
/// The data directory holds another branch's log and configuration: a profile for branch <see cref="ProfileBranch"/>
/// was started on the data of branch <see cref="DataBranch"/> (a copied SD card, a wrong <c>--data</c>, a profile from
/// the next branch). A deployment mistake, refused before anything is written: exit code 2
/// (<see cref="ExitCodes.InvalidConfiguration"/>), which systemd does not restart (<c>RestartPreventExitStatus=2</c>).
/// </summary>
public sealed class OtherBranchDataException : Exception
{
    /// <summary>Says which branch the data belongs to, which branch the profile is, and what to do.</summary>
    /// <param name="dataDirectory">The <c>--data</c> directory.</param>
    /// <param name="dataBranch">The branch id the data records.</param>
    /// <param name="recordedIn">Where it is recorded: "its configuration version 3", "its branch.id file" (<see cref="BranchMarker.OtherThan"/>).</param>
    /// <param name="profilePath">The <c>--branch</c> profile file.</param>
    /// <param name="profileBranch">The profile's branch id.</param>
    public OtherBranchDataException(string dataDirectory, string dataBranch, string recordedIn, string profilePath, string profileBranch)
        : base($"the data directory {dataDirectory} belongs to branch \"{dataBranch}\" ({recordedIn}), " +
            $"but {profilePath} is branch \"{profileBranch}\". A box does not change branch: give this branch a data directory " +
            $"of its own (--data), or move {dataDirectory} away first (keep it: events in it may not have reached head office yet). No configuration was stored and no event added.")
    {
        DataBranch = dataBranch;
        ProfileBranch = profileBranch;
    }

    /// <summary>The branch the data directory belongs to.</summary>
    public string DataBranch { get; }

    /// <summary>The branch of the profile that was started.</summary>
    public string ProfileBranch { get; }
}

using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>Issue 15, item 3: refusals named for what happened, each with its wire name and a sentence in the README.</summary>
public sealed class RefusalTests
{
    [Fact]
    public void EveryRefusalReason_HasItsWireName_AndASentenceInTheReadme()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "LobbyEdge.HeadOffice", "README.md"));
        string section = readme[readme.IndexOf("## Refusal reasons", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        foreach (RefusalReason reason in Enum.GetValues<RefusalReason>().Where(r => r != RefusalReason.None))
        {
            string name = RefusalNames.Of(reason);
            Assert.Matches("^[a-z]+(_[a-z]+)*$", name);
            string row = section.Split('\n').SingleOrDefault(l => l.StartsWith($"| `{name}` |", StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"README, \"Refusal reasons\", has no row for {reason} (`{name}`)");
            Assert.True(row.Split('|', StringSplitOptions.TrimEntries)[2].Length > 20, $"the README's sentence for `{name}` says too little: {row}");
        }

        Assert.Equal("none", RefusalNames.Of(RefusalReason.None));
        Assert.Equal("day_already_closed", RefusalNames.Of(RefusalReason.DayAlreadyClosed));
        Assert.Equal("closed_by_calendar", RefusalNames.Of(RefusalReason.ClosedByCalendar));
        Assert.Equal("configuration_unchanged", RefusalNames.Of(RefusalReason.ConfigurationUnchanged));
        Assert.Equal("250", RefusalNames.Of((RefusalReason)250));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LobbyEdge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no LobbyEdge.sln above " + AppContext.BaseDirectory);
    }
}

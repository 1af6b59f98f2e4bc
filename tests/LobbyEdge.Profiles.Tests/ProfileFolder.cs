using System.Text;

namespace LobbyEdge.Profiles.Tests;

/// <summary>
/// A temporary folder laid out like hardware-profiles/: <c>branches/</c> for the profiles a test writes and
/// <c>devices/</c> with a copy of the shipped device models (which a test may change). Deleted on dispose.
/// </summary>
internal sealed class ProfileFolder : IDisposable
{
    /// <summary>Creates the folder, named after <paramref name="prefix"/>, with the shipped models in it.</summary>
    public ProfileFolder(string prefix)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Directory.CreateDirectory(Path.Combine(Root, "branches"));
        Directory.CreateDirectory(Path.Combine(Root, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices"), "*.yaml"))
        {
            File.Copy(model, Path.Combine(Root, "devices", Path.GetFileName(model)));
        }
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>Writes <paramref name="yaml"/> as a new branch profile (UTF-8, LF line ends); its path.</summary>
    public string Write(string yaml)
    {
        string path = Path.Combine(Root, "branches", $"{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml.ReplaceLineEndings("\n"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    /// <summary><c>line:column</c> (1-based) of the first <paramref name="text"/> in the file (it may span lines).</summary>
    public static string Position(string path, string text)
    {
        string all = File.ReadAllText(path);
        int index = all.IndexOf(text, StringComparison.Ordinal);
        Assert.True(index >= 0, $"\"{text}\" is not in {path}");
        int line = all[..index].Count(c => c == '\n') + 1;
        int column = index - (all.LastIndexOf('\n', Math.Max(0, index - 1)) + 1) + 1;
        return $"{line}:{column}";
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

namespace LobbyEdge.TestSupport;

/// <summary>The one-service, one-counter branch the kiosk tests run, written with the hardware they give it.</summary>
public static class KioskBranch
{
    /// <summary>
    /// Writes <c>branches/kiosk-….yaml</c> under <paramref name="directory"/> (with the shipped device models beside it in
    /// <c>devices/</c>) and returns its path.
    /// </summary>
    /// <param name="directory">Where the profile and models go.</param>
    /// <param name="hardware">The profile's <c>devices:</c> and <c>kiosk:</c> sections, as YAML at column 0.</param>
    public static string Write(string directory, string hardware)
    {
        Directory.CreateDirectory(Path.Combine(directory, "branches"));
        Directory.CreateDirectory(Path.Combine(directory, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices")))
        {
            File.Copy(model, Path.Combine(directory, "devices", Path.GetFileName(model)), overwrite: true);
        }

        string path = Path.Combine(directory, "branches", $"kiosk-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            branch:
              id: kiosk-001
              name: "Kiosk Branch"
              nameZh: "自助网点"
              timeZone: UTC
              open: "00:00"
              close: "23:59"
              ticketingCutoffMinutes: 0
            services:
              - {id: cash, prefix: A, name: "Personal cash", nameZh: "个人现金"}
            counters:
              - {number: 1, services: [cash]}

            """ + hardware);
        return path;
    }
}

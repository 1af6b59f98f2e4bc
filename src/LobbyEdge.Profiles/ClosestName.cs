namespace LobbyEdge.Profiles;

/// <summary>
/// Finds the known name a mistyped one was most likely meant to be (<c>toleranceMinute</c> for
/// <c>toleranceMinutes</c>, <c>Asia/Shanghia</c> for <c>Asia/Shanghai</c>), so an error can say
/// "did you mean". The one did-you-mean of every profile problem (keys, choices, services, models, elements)
/// and of the host's configuration check.
/// </summary>
public static class ClosestName
{
    /// <summary>
    /// The candidate closest to <paramref name="given"/> by edit distance (ignoring case, counting
    /// a swap of two neighbouring letters as one edit), or <see langword="null"/> when none is
    /// close enough to be a plausible typo (at most a third of <paramref name="given"/>'s length in edits, and
    /// at least two edits allowed).
    /// </summary>
    /// <param name="given">The name as written.</param>
    /// <param name="candidates">The names known where it was written.</param>
    public static string? Find(string given, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = Distance(given, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // A third of the length, but at least two edits, still reads as the same word.
        int allowed = Math.Max(2, given.Length / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Optimal string alignment distance, case-insensitive.</summary>
    internal static int Distance(string a, string b)
    {
        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                int value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1
                    && char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 2])
                    && char.ToUpperInvariant(a[i - 2]) == char.ToUpperInvariant(b[j - 1]))
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }

                d[i, j] = value;
            }
        }

        return d[a.Length, b.Length];
    }
}

namespace LockActors.Configuration;

/// <summary>Finds the valid name a misspelled one was probably meant to be ("did you mean default-ttl?").</summary>
internal static class Spelling
{
    /// <summary>
    /// The candidate closest to <paramref name="word"/> (case-insensitive edit distance, a swap of two neighbours
    /// counting once), or null when none is within a third of the word's length (at least 2 edits).
    /// </summary>
    public static string? Nearest(string word, IEnumerable<string> candidates)
    {
        var limit = Math.Max(2, word.Length / 3);
        return candidates
            .Select(c => (Name: c, Distance: Distance(word, c)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    /// <summary>Optimal-string-alignment distance, ignoring case.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}

using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace LockActors.Configuration;

/// <summary>
/// Strict configuration: every key under <c>lock-actors</c> must be one the library reads, so a misspelled key fails at
/// start-up (naming the nearest valid one) instead of silently keeping a default — <c>stores.file.rooot</c> would
/// otherwise drop the root restriction.
/// </summary>
internal static class ConfigKeys
{
    /// <summary>The library's top-level section.</summary>
    public const string Root = "lock-actors";

    private const string StoresPrefix = "stores.";

    /// <summary>Refuses a top-level section whose name is a near miss of <c>lock-actors</c> (<c>lockactors</c>, <c>lock-actor</c>…).</summary>
    public static void CheckRootName(Config config)
    {
        if (config.Root is not { } root || !root.IsObject())
        {
            return;
        }

        foreach (var name in root.GetObject().Items.Keys)
        {
            if (name != Root && (Spelling.Distance(name, Root) <= 2 || Squeeze(name) == Squeeze(Root)))
            {
                throw ConfigErrors.Invalid(name, $"is not a LockActors section; did you mean {Root}?");
            }
        }
    }

    /// <summary>
    /// Refuses any key of <paramref name="lockActors"/> (the effective <c>lock-actors</c> section) outside
    /// <c>stores</c> that <paramref name="reference"/> (the core <c>reference.conf</c>'s section) does not define.
    /// </summary>
    public static void CheckCore(Config lockActors, Config reference)
    {
        var known = Paths(reference).Where(p => !p.StartsWith(StoresPrefix, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        foreach (var path in Paths(lockActors))
        {
            if (path.StartsWith(StoresPrefix, StringComparison.Ordinal) || path == "stores")
            {
                continue;
            }

            Check(path, known, $"{Root}.{path}", "a LockActors setting");
        }
    }

    /// <summary>
    /// Refuses any key of the store section <paramref name="section"/> (<c>lock-actors.stores.&lt;scheme&gt;</c>) that
    /// <paramref name="defaults"/> (the backend's defaults) does not define; <paramref name="alsoKnown"/> adds keys the
    /// core reads itself (<c>provider</c>).
    /// </summary>
    public static void CheckStore(string scheme, Config section, Config defaults, params string[] alsoKnown)
    {
        var known = Paths(defaults).Concat(alsoKnown).ToHashSet(StringComparer.Ordinal);
        foreach (var path in Paths(section))
        {
            Check(path, known, $"{Root}.stores.{scheme}.{path}", $"a setting of the {scheme}:// store");
        }
    }

    private static void Check(string path, HashSet<string> known, string fullKey, string what)
    {
        // A scalar where a section is expected (`stores = 5`) is a value error, reported by the reader of that section.
        if (known.Contains(path) || known.Any(k => k.StartsWith(path + ".", StringComparison.Ordinal)))
        {
            return;
        }

        var nearest = Spelling.Nearest(path, known);
        throw ConfigErrors.Invalid(fullKey, nearest is null
            ? $"is not {what} (every key and its default is listed in the reference.conf that defines the section)"
            : $"is not {what}; did you mean {nearest}?");
    }

    /// <summary>The paths of every value (not section) in <paramref name="config"/>, relative to it.</summary>
    internal static IEnumerable<string> Paths(Config config) =>
        config.IsEmpty || config.Root is not { } root ? [] : Paths(root, string.Empty);

    private static IEnumerable<string> Paths(HoconValue value, string prefix)
    {
        if (!value.IsObject())
        {
            return prefix.Length == 0 ? [] : [prefix];
        }

        return value.GetObject().Items.SelectMany(item => Paths(item.Value, prefix.Length == 0 ? item.Key : $"{prefix}.{item.Key}"));
    }

    private static string Squeeze(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}

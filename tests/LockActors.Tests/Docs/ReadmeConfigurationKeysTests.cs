using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Gcs;
using LockActors.S3;
using LockActors.Sftp;
using Xunit;

namespace LockActors.Tests.Docs;

/// <summary>
/// README.md's "Configuration keys" tables name every key of the reference.conf files (core and each backend), with
/// the same defaults, and nothing else; each backend's <c>provider</c> row names its real provider type.
/// </summary>
public sealed class ReadmeConfigurationKeysTests
{
    private const string Section = "## Configuration keys";

    private static readonly (string ReferenceConf, string Scheme, Type Provider)[] Backends =
    [
        ("src/LockActors.S3/reference.conf", "s3", typeof(S3LockStoreProvider)),
        ("src/LockActors.Gcs/reference.conf", "gs", typeof(GcsLockStoreProvider)),
        ("src/LockActors.Sftp/reference.conf", "sftp", typeof(SftpLockStoreProvider)),
    ];

    [Fact]
    public void The_table_lists_exactly_the_keys_of_every_reference_conf()
    {
        var documented = ReadmeRows().Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var expected = Reference().Keys.Concat(Backends.Select(b => ProviderKey(b.Scheme))).ToHashSet(StringComparer.Ordinal);

        NoProblems(expected.Except(documented).Order().Select(k => $"missing from README.md: {k}"));
        NoProblems(documented.Except(expected).Order().Select(k => $"in README.md but in no reference.conf: {k}"));
    }

    [Fact]
    public void Each_key_is_listed_once()
    {
        var duplicates = ReadmeRows().GroupBy(r => r.Key).Where(g => g.Count() > 1).Select(g => g.Key);
        NoProblems(duplicates);
    }

    [Fact]
    public void Every_default_is_the_reference_conf_default()
    {
        var reference = Reference();
        var wrong = ReadmeRows()
            .Where(r => reference.ContainsKey(r.Key) && Unquote(r.Default) != reference[r.Key])
            .Select(r => $"{r.Key}: README.md says `{r.Default}`, reference.conf says \"{reference[r.Key]}\"");
        NoProblems(wrong);
    }

    [Fact]
    public void Each_provider_row_names_the_backend_provider_type()
    {
        var rows = ReadmeRows().ToDictionary(r => r.Key, r => r.Meaning, StringComparer.Ordinal);
        foreach (var (_, scheme, provider) in Backends)
        {
            var value = $"\"{provider.FullName}, {provider.Assembly.GetName().Name}\"";
            Assert.True(rows.TryGetValue(ProviderKey(scheme), out var meaning) && meaning.Contains(value, StringComparison.Ordinal),
                $"the README row of {ProviderKey(scheme)} must give {value}");
        }
    }

    private static void NoProblems(IEnumerable<string> problems)
    {
        var list = problems.ToList();
        if (list.Count > 0)
        {
            Assert.Fail(string.Join("\n", list));
        }
    }

    private static string ProviderKey(string scheme) => $"lock-actors.stores.{scheme}.provider";

    /// <summary>Every key of the reference.conf files, with its default as the library reads it.</summary>
    private static Dictionary<string, string> Reference()
    {
        var files = Backends.Select(b => b.ReferenceConf).Prepend("src/LockActors/Configuration/reference.conf");
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepositoryRoot(), file)));
            foreach (var key in ConfigKeys.Paths(config))
            {
                var value = config.GetValue(key);
                keys.Add(key, value.IsString() ? value.GetString() : $"[{string.Join(", ", value.GetStringList())}]");
            }
        }

        return keys;
    }

    /// <summary>The rows of the README's configuration tables whose first cell is a <c>lock-actors.…</c> key.</summary>
    private static IEnumerable<(string Key, string Default, string Meaning)> ReadmeRows()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf($"\n{Section}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no \"{Section}\" section");
        var end = readme.IndexOf("\n## ", start + Section.Length + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        foreach (var line in section.Split('\n'))
        {
            var cells = line.Split('|');
            if (cells.Length >= 5 && cells[1].Trim() is ['`', .. var key, '`'] && key.StartsWith("lock-actors.", StringComparison.Ordinal))
            {
                yield return (key, cells[2].Trim().Trim('`'), string.Join("|", cells[3..^1]).Trim());
            }
        }
    }

    private static string Unquote(string text) => text is ['"', .. var inner, '"'] ? inner : text;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LockActors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no LockActors.sln above {AppContext.BaseDirectory}");
    }
}

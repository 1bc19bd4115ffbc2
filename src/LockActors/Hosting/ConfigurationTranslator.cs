using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Configuration;
using LockActors.Configuration;
using Microsoft.Extensions.Configuration;

namespace LockActors.Hosting;

/// <summary>
/// Turns an <see cref="IConfiguration"/> section (appsettings.json <c>"LockActors"</c>, environment variables
/// <c>LockActors__DefaultTtl</c>…) into the <c>lock-actors { }</c> HOCON it stands for, so the same keys, defaults and
/// strict validation apply as for HOCON. Names become kebab-case (<c>DefaultTtl</c> → <c>default-ttl</c>,
/// <c>Stores:File:Root</c> → <c>stores.file.root</c>; kebab-case names stay as they are); values stay strings, which
/// the readers parse (<c>"30s"</c>, <c>"0.3"</c>, <c>"true"</c>), except that a .NET time span (<c>"00:00:30"</c>)
/// becomes milliseconds; a section whose children are 0, 1, 2… becomes a list.
/// </summary>
internal static partial class ConfigurationTranslator
{
    /// <summary>The section as a root <see cref="Config"/> holding <c>lock-actors { … }</c> (empty when the section is).</summary>
    public static Config ToConfig(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var body = new StringBuilder();
        AppendObject(body, section);
        return ConfigurationFactory.ParseString($"{HoconText.Quote(ConfigKeys.Root)} {body}");
    }

    /// <summary>A configuration name in kebab-case: <c>HostKeySha256</c> → <c>host-key-sha256</c>, <c>ServiceURL</c> → <c>service-url</c>.</summary>
    public static string Kebab(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previous = i > 0 ? name[i - 1] : '-';
                var wordStarts = char.IsLower(previous) || char.IsDigit(previous)
                    || (char.IsUpper(previous) && i + 1 < name.Length && char.IsLower(name[i + 1]));
                if (wordStarts && previous != '-')
                {
                    text.Append('-');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c == '_' ? '-' : c);
            }
        }

        return text.ToString();
    }

    private static void AppendObject(StringBuilder hocon, IConfiguration section)
    {
        hocon.Append("{\n");
        foreach (var child in section.GetChildren())
        {
            if (child.Value is null && !child.GetChildren().Any())
            {
                continue;
            }

            hocon.Append(HoconText.Quote(Kebab(child.Key))).Append(child.Value is null ? " " : " = ");
            AppendValue(hocon, child);
            hocon.Append('\n');
        }

        hocon.Append('}');
    }

    private static void AppendValue(StringBuilder hocon, IConfigurationSection section)
    {
        if (section.Value is { } value)
        {
            hocon.Append(HoconText.Quote(value switch
            {
                // A JSON true/false reaches IConfiguration as "True"/"False", which HOCON does not read as a boolean.
                "True" or "False" => value.ToLowerInvariant(),
                _ when TimeSpanValue().IsMatch(value) && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) => HoconText.Duration(span),
                _ => value,
            }));
            return;
        }

        var children = section.GetChildren().ToArray();
        if (children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            hocon.Append("= [");
            var items = children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Where(c => c.Value is not null).Select(c => HoconText.Quote(c.Value!));
            hocon.Append(string.Join(", ", items)).Append(']');
            return;
        }

        AppendObject(hocon, section);
    }

    /// <summary>A .NET time span with seconds (<c>00:00:30</c>, <c>1.00:00:00</c>, <c>00:00:00.500</c>).</summary>
    [GeneratedRegex(@"^(\d+\.)?\d{1,2}:\d{2}:\d{2}(\.\d{1,7})?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimeSpanValue();
}

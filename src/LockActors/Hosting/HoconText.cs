using System.Globalization;
using System.Text;

namespace LockActors.Hosting;

/// <summary>Renders values as HOCON text for the options and the <c>IConfiguration</c> translation.</summary>
internal static class HoconText
{
    /// <summary>A quoted HOCON string (JSON escapes), safe for any text.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                _ when char.IsControl(c) => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }

    /// <summary>A duration in whole milliseconds (<c>1500ms</c>).</summary>
    public static string Duration(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}

using System.Globalization;

namespace LockActors.Cli.Output;

/// <summary>Durations on the command line (<c>30s</c>, <c>1500ms</c>, <c>5m</c>, <c>1h</c>; a bare number is seconds) and in output.</summary>
internal static class Durations
{
    /// <summary>Parses <paramref name="text"/> or throws a usage failure naming <paramref name="option"/>.</summary>
    public static TimeSpan Parse(string text, string option)
    {
        var trimmed = text.Trim();
        var split = trimmed.Length;
        while (split > 0 && char.IsLetter(trimmed[split - 1]))
        {
            split--;
        }

        var unit = trimmed[split..].ToLowerInvariant();
        if (!double.TryParse(trimmed[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
        {
            throw CliFailure.Usage($"{option} '{text}' is not a duration (for example 30s, 1500ms, 5m, 1h)");
        }

        return unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "" or "s" => TimeSpan.FromSeconds(value),
            "m" or "min" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => throw CliFailure.Usage($"{option} '{text}' has an unknown unit '{unit}' (use ms, s, m or h)"),
        };
    }

    /// <summary>A short human form: <c>850ms</c>, <c>12.3s</c>, <c>4m05s</c>, <c>2h03m</c>.</summary>
    public static string Format(TimeSpan value) => value switch
    {
        _ when value < TimeSpan.FromSeconds(1) => ((int)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms",
        _ when value < TimeSpan.FromMinutes(2) => value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s",
        _ when value < TimeSpan.FromHours(2) => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m{value.Seconds:00}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h{value.Minutes:00}m"),
    };
}

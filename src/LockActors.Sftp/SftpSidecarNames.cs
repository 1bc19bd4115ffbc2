using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LockActors.Sftp;

/// <summary>
/// The files the store writes next to a sidecar: temp files, the compare-and-swap guard and its break tokens. Every
/// name is derived from the sidecar's name and stays within the 255-byte file-name limit.
/// </summary>
/// <param name="sidecarPath">The sidecar's absolute server path.</param>
internal sealed class SftpSidecarNames(string sidecarPath)
{
    private const int NameMax = 255;
    private readonly string _fileName = sidecarPath[(sidecarPath.LastIndexOf('/') + 1)..];

    /// <summary>The sidecar's directory (empty for a file in <c>/</c>).</summary>
    public string Directory { get; } = sidecarPath.LastIndexOf('/') is var slash && slash > 0 ? sidecarPath[..slash] : string.Empty;

    /// <summary>The sidecar itself.</summary>
    public string Sidecar => sidecarPath;

    /// <summary>The compare-and-swap guard <c>&lt;sidecar&gt;.cas</c>.</summary>
    public string Guard => $"{Directory}/{SiblingName(_fileName, ".cas")}";

    /// <summary>A fresh, private temp file <c>.&lt;sidecar&gt;.&lt;id&gt;.tmp</c>.</summary>
    public string NewTemp() => $"{Directory}/{SiblingName(_fileName, $".{Guid.NewGuid().ToString("N")[..12]}.tmp", ".")}";

    /// <summary>The token <c>.&lt;sidecar&gt;.cas.&lt;M&gt;.break</c> whose creator may break the guard abandoned with mtime M.</summary>
    public string BreakToken(DateTimeOffset guardMtime) =>
        $"{Directory}/{SiblingName(SiblingName(_fileName, ".cas"), $".{guardMtime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.break", ".")}";

    /// <summary>
    /// The name <c>prefix + baseName + suffix</c> in the sidecar's directory, shortened when it would exceed the 255-byte
    /// file-name limit: the base name is cut and a hash of it keeps the result unique and the same for every writer, so a
    /// sidecar name that fits the file system never fails because of a temp or guard name derived from it.
    /// </summary>
    internal static string SiblingName(string baseName, string suffix, string prefix = "")
    {
        var full = prefix + baseName + suffix;
        if (Encoding.UTF8.GetByteCount(full) <= NameMax)
        {
            return full;
        }

        var tag = "~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(baseName)))[..16];
        var budget = NameMax - Encoding.UTF8.GetByteCount(prefix + tag + suffix);
        var kept = new StringBuilder();
        var used = 0;
        foreach (var rune in baseName.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget)
            {
                break;
            }

            kept.Append(rune.ToString());
            used += rune.Utf8SequenceLength;
        }

        return prefix + kept + tag + suffix;
    }
}

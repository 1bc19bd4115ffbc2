using System.Text;

namespace LockActors.Storage;

/// <summary>
/// A normalised, validated target file URI (<c>file:///data/in/a.csv</c>, <c>s3://bucket/in/a.csv</c>, …).
/// Two spellings of the same file produce equal targets, so one actor serves each file.
/// </summary>
/// <remarks>
/// Parsing rejects, with <see cref="InvalidLockTargetException"/>: relative or malformed URIs, query strings and
/// fragments, empty paths or paths naming a directory, control characters, and any <c>.</c> / <c>..</c> path
/// segment (also percent-encoded) — <see cref="Uri"/> would silently collapse <c>file:///data/../../etc/x</c> to
/// <c>file:///etc/x</c>, which is a path traversal, not a spelling.
/// </remarks>
public sealed class LockTarget : IEquatable<LockTarget>
{
    // Strings only: a System.Uri per target cost ~0.5 KB per live lock actor and a second parse per request (P5, P1).
    private Uri? _uri;

    private LockTarget(in NormalizedUri parsed)
    {
        Normalized = parsed.Normalized;
        Path = parsed.Path;
        Scheme = parsed.Scheme;
        Authority = parsed.Authority;
        Sidecar = new SidecarKey(this, parsed.Path + SidecarLimits.Suffix);
    }

    /// <summary>The normalised URI, built on first use (the stores that need one: SFTP, GCS).</summary>
    public Uri Uri => _uri ??= new Uri(Normalized);

    /// <summary>The normalised URI as a string; equal for every spelling of the same target.</summary>
    public string Normalized { get; }

    /// <summary>Lower-case scheme, e.g. <c>file</c>, <c>s3</c>.</summary>
    public string Scheme { get; }

    /// <summary>Host, bucket or namespace part (empty for <c>file:///</c>); equal to <see cref="Uri"/>'s <see cref="System.Uri.Authority"/>.</summary>
    public string Authority { get; }

    /// <summary>The decoded absolute path (always starts with <c>/</c>).</summary>
    public string Path { get; }

    /// <summary>The companion <c>&lt;target&gt;.lock</c> object.</summary>
    public SidecarKey Sidecar { get; }

    /// <summary>Parses and normalises <paramref name="uri"/>, or throws <see cref="InvalidLockTargetException"/>.</summary>
    public static LockTarget Parse(string uri) => new(Normalize(uri, prefixAllowed: false));

    /// <summary>
    /// Validates and normalises <paramref name="uri"/> as <see cref="Parse(string)"/> does; with
    /// <paramref name="prefixAllowed"/> the path may also be <c>/</c> or end with <c>/</c> (a listing prefix).
    /// The URI is parsed once (one <see cref="System.Uri"/>, dropped afterwards).
    /// </summary>
    internal static NormalizedUri Normalize(string uri, bool prefixAllowed)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Length == 0 || uri.Length > 4096)
        {
            throw new InvalidLockTargetException(uri, "the URI is empty or longer than 4096 characters");
        }

        foreach (var c in uri)
        {
            if (char.IsControl(c))
            {
                throw new InvalidLockTargetException(uri, "the URI contains a control character");
            }
        }

        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new InvalidLockTargetException(uri, "expected an absolute URI such as file:///data/a.csv or s3://bucket/key");
        }

        var rawPath = RawPathOf(uri, schemeEnd + 3);
        if (ContainsDotSegment(rawPath))
        {
            throw new InvalidLockTargetException(uri, "'.' and '..' path segments are not allowed (path traversal)");
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            throw new InvalidLockTargetException(uri, "not a well-formed absolute URI");
        }

        if (!string.IsNullOrEmpty(parsed.Query) || !string.IsNullOrEmpty(parsed.Fragment))
        {
            throw new InvalidLockTargetException(uri, "query strings and fragments are not part of a file name");
        }

        var scheme = KnownScheme(parsed.Scheme.ToLowerInvariant());
        var path = Uri.UnescapeDataString(parsed.AbsolutePath);
        if (scheme is "file" or "sftp")
        {
            path = CollapseSlashes(path);
        }

        if (!prefixAllowed && (path.Length <= 1 || path.EndsWith('/')))
        {
            throw new InvalidLockTargetException(uri, "the path must name a file, not a directory");
        }

        if (path.Contains('\0') || path.Contains('\\'))
        {
            throw new InvalidLockTargetException(uri, "the path contains a NUL or backslash");
        }

        if (scheme == "file" && !(parsed.Host.Length == 0 || parsed.IsLoopback))
        {
            throw new InvalidLockTargetException(uri, "file URIs must be local: file:///absolute/path");
        }

        var authority = scheme == "file" ? string.Empty : parsed.Authority.ToLowerInvariant();
        if (scheme != "file" && authority.Length == 0)
        {
            throw new InvalidLockTargetException(uri, $"{scheme}:// URIs need a host, bucket or namespace");
        }

        var userInfo = parsed.UserInfo.Length > 0 ? Uri.EscapeDataString(Uri.UnescapeDataString(parsed.UserInfo)) + "@" : string.Empty;
        var normalized = new StringBuilder(scheme.Length + authority.Length + path.Length + 8)
            .Append(scheme).Append("://").Append(userInfo).Append(authority).Append(EscapePath(path)).ToString();
        return new NormalizedUri(normalized, path, scheme, authority);
    }

    /// <summary>
    /// True when <paramref name="uri"/> is certainly already in normalised form, i.e. <c>Parse(uri).Normalized == uri</c>,
    /// decided without allocating: a known lower-case scheme, a lower-case host-name authority (none for <c>file</c>),
    /// and a path of unreserved characters with no empty, <c>.</c>-only or dot-ended segment. Conservative: false only
    /// means "parse to find out". Lets routing use a spelling as its key without parsing it
    /// (<c>LockTargetTests.A_spelling_recognised_as_normalised_parses_to_itself</c>).
    /// </summary>
    internal static bool IsNormalizedSpelling(string? uri)
    {
        if (uri is null || uri.Length > 4096)
        {
            return false;
        }

        var span = uri.AsSpan();
        int rest;
        if (span.StartsWith("file:///"))
        {
            rest = "file://".Length;
        }
        else if (span.StartsWith("mem://") || span.StartsWith("s3://") || span.StartsWith("gs://") || span.StartsWith("sftp://"))
        {
            rest = span.IndexOf("://") + 3;
            var slash = span[rest..].IndexOf('/');
            if (slash <= 0 || !IsPlainHostName(span.Slice(rest, slash)))
            {
                return false;
            }

            rest += slash;
        }
        else
        {
            return false;
        }

        return IsPlainPath(span[rest..]);
    }

    /// <summary>Dot-separated labels of <c>[a-z0-9-]</c>, each starting with a letter: what <see cref="System.Uri"/> keeps as it is.</summary>
    private static bool IsPlainHostName(ReadOnlySpan<char> host)
    {
        var labelStart = true;
        foreach (var c in host)
        {
            if (labelStart)
            {
                if (c is < 'a' or > 'z')
                {
                    return false;
                }

                labelStart = false;
            }
            else if (c == '.')
            {
                labelStart = true;
            }
            else if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return !labelStart;
    }

    /// <summary>
    /// <c>/segment/…/segment</c> of unreserved characters, every segment non-empty and not ending with a dot (so no
    /// <c>.</c> or <c>..</c> segments and nothing a URI parser might trim), the last naming a file.
    /// </summary>
    private static bool IsPlainPath(ReadOnlySpan<char> path)
    {
        if (path.Length < 2 || path[0] != '/' || path.ContainsAnyExcept(UnescapedInPath))
        {
            return false;
        }

        var previous = '/';
        for (var i = 1; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '/' && previous is '/' or '.')
            {
                return false;
            }

            previous = c;
        }

        return previous is not ('/' or '.');
    }

    /// <summary>The shared instance of a common scheme's name, so that targets do not each keep a copy.</summary>
    private static string KnownScheme(string scheme) => scheme switch
    {
        "file" => "file",
        "mem" => "mem",
        "s3" => "s3",
        "gs" => "gs",
        "sftp" => "sftp",
        _ => scheme,
    };

    /// <summary>Like <see cref="Parse(string)"/> but returns false instead of throwing.</summary>
    public static bool TryParse(string uri, out LockTarget? target, out InvalidLockTargetException? error)
    {
        try
        {
            target = Parse(uri);
            error = null;
            return true;
        }
        catch (InvalidLockTargetException e)
        {
            target = null;
            error = e;
            return false;
        }
    }

    /// <summary>Normalises an existing <see cref="System.Uri"/>.</summary>
    public static LockTarget Parse(Uri uri) => Parse((uri ?? throw new ArgumentNullException(nameof(uri))).OriginalString);

    /// <inheritdoc />
    public bool Equals(LockTarget? other) => other is not null && string.Equals(Normalized, other.Normalized, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LockTarget);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Normalized);

    /// <inheritdoc />
    public override string ToString() => Normalized;

    /// <summary>The characters <see cref="Uri.EscapeDataString(string)"/> leaves as they are (RFC 3986 unreserved), and the segment separator.</summary>
    private static readonly System.Buffers.SearchValues<char> UnescapedInPath =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/");

    /// <summary>The parts of a validated, normalised URI.</summary>
    internal readonly record struct NormalizedUri(string Normalized, string Path, string Scheme, string Authority);

    private static string RawPathOf(string uri, int authorityStart)
    {
        var slash = uri.IndexOf('/', authorityStart);
        if (slash < 0)
        {
            return string.Empty;
        }

        var end = uri.IndexOfAny(['?', '#'], slash);
        return end < 0 ? uri[slash..] : uri[slash..end];
    }

    private static bool ContainsDotSegment(string rawPath)
    {
        var decoded = rawPath.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase)
                             .Replace("%2f", "/", StringComparison.OrdinalIgnoreCase)
                             .Replace("%5c", "/", StringComparison.OrdinalIgnoreCase)
                             .Replace('\\', '/');
        foreach (var segment in decoded.Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    private static string CollapseSlashes(string path)
    {
        while (path.Contains("//", StringComparison.Ordinal))
        {
            path = path.Replace("//", "/", StringComparison.Ordinal);
        }

        return path;
    }

    /// <summary>The path as it appears in a normalised URI: each segment percent-encoded.</summary>
    internal static string EscapePath(string path)
    {
        if (!path.AsSpan().ContainsAnyExcept(UnescapedInPath))
        {
            return path; // nothing to escape (the usual case): no split, no per-segment copies
        }

        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = Uri.EscapeDataString(segments[i]);
        }

        return string.Join('/', segments);
    }
}

namespace LockActors.Storage;

/// <summary>
/// Where a listing looks: a normalised URI naming a folder (<c>file:///data/in/</c>, <c>s3://bucket/in/</c>) or any
/// beginning of a path (<c>s3://bucket/in/2026-</c>). Every sidecar whose path starts with <see cref="Path"/>, at any
/// depth below it, is under the prefix. Parsing applies the rules of <see cref="LockTarget"/> except that the path may
/// be <c>/</c> or end with <c>/</c>.
/// </summary>
public sealed class LockPrefix
{
    private readonly string _origin;

    private LockPrefix(string normalized, string path)
    {
        Normalized = normalized;
        Path = path;
        _origin = normalized[..^LockTarget.EscapePath(path).Length];
        Uri = new Uri(normalized);
    }

    /// <summary>The normalised prefix URI.</summary>
    public Uri Uri { get; }

    /// <summary>The normalised prefix URI as a string.</summary>
    public string Normalized { get; }

    /// <summary>Lower-case scheme, e.g. <c>file</c>, <c>s3</c>.</summary>
    public string Scheme => Uri.Scheme;

    /// <summary>Host, bucket or namespace part (empty for <c>file:///</c>).</summary>
    public string Authority => Uri.Authority;

    /// <summary>The decoded absolute path prefix (always starts with <c>/</c>).</summary>
    public string Path { get; }

    /// <summary>The deepest folder holding every match: <see cref="Path"/> up to and including its last <c>/</c>.</summary>
    public string Folder => Path[..(Path.LastIndexOf('/') + 1)];

    /// <summary>Parses and normalises <paramref name="uri"/>, or throws <see cref="InvalidLockTargetException"/>.</summary>
    public static LockPrefix Parse(string uri)
    {
        var (normalized, path, _, _) = LockTarget.Normalize(uri, prefixAllowed: true);
        return new LockPrefix(normalized, path);
    }

    /// <summary>
    /// Throws <see cref="InvalidLockTargetException"/> unless this prefix's scheme is <paramref name="scheme"/>: a store
    /// lists only the URIs it serves. <paramref name="store"/> names the store in the message ("the S3 store").
    /// </summary>
    public void RequireScheme(string scheme, string store)
    {
        if (!string.Equals(Scheme, scheme, StringComparison.Ordinal))
        {
            throw new InvalidLockTargetException(Normalized, $"{store} only lists {scheme}:// prefixes");
        }
    }

    /// <summary>
    /// The sidecar stored at <paramref name="sidecarPath"/> (a decoded absolute path on this prefix's store), or null when
    /// that path is not under the prefix, does not end with <c>.lock</c>, or is not the sidecar of a valid target.
    /// </summary>
    public SidecarKey? SidecarAt(string sidecarPath)
    {
        ArgumentNullException.ThrowIfNull(sidecarPath);
        if (!sidecarPath.StartsWith(Path, StringComparison.Ordinal) ||
            !sidecarPath.EndsWith(SidecarLimits.Suffix, StringComparison.Ordinal) ||
            sidecarPath.Length <= SidecarLimits.Suffix.Length + 1)
        {
            return null;
        }

        var targetPath = sidecarPath[..^SidecarLimits.Suffix.Length];
        return LockTarget.TryParse(_origin + LockTarget.EscapePath(targetPath), out var target, out _) && target!.Sidecar.Path == sidecarPath
            ? target.Sidecar
            : null;
    }

    /// <summary>
    /// A placeholder sidecar in <see cref="Folder"/>, for stores that need a key to pick a connection, check their root
    /// or name the location in an error. Never read or written.
    /// </summary>
    internal SidecarKey Anchor => LockTarget.Parse(_origin + LockTarget.EscapePath(Folder + ".lockactors-listing")).Sidecar;

    /// <inheritdoc />
    public override string ToString() => Normalized;
}

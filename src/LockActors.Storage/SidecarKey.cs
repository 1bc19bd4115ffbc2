namespace LockActors.Storage;

/// <summary>The address of a target's companion <c>&lt;target&gt;.lock</c> object inside its store.</summary>
/// <param name="Target">The target the sidecar belongs to.</param>
/// <param name="Path">The decoded absolute path of the sidecar: the target's path plus <c>.lock</c>.</param>
public sealed record SidecarKey(LockTarget Target, string Path)
{
    /// <summary>Host, bucket or namespace (empty for local files).</summary>
    public string Authority => Target.Authority;

    /// <summary>The object key without the leading slash (for S3 / GCS).</summary>
    public string ObjectName => Path.TrimStart('/');

    /// <inheritdoc />
    public override string ToString() => Target.Normalized + SidecarLimits.Suffix;
}

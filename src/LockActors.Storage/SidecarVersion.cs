namespace LockActors.Storage;

/// <summary>
/// An opaque token naming one written state of a sidecar (an S3 ETag, a GCS generation, a file's
/// inode + mtime + content hash, an in-memory counter). Two different writes never share a version
/// unless they wrote identical bytes to the same object.
/// </summary>
/// <param name="Value">The store-specific version string; compare only for equality.</param>
public readonly record struct SidecarVersion(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

namespace LockActors.Storage.Backends;

/// <summary>What kind of conditional write a <see cref="ConditionalWrite"/> is.</summary>
public enum ConditionalWriteKind
{
    /// <summary>Create only if absent: won when our bytes are there.</summary>
    Create,

    /// <summary>Replace only the expected version: won when our bytes are there.</summary>
    Replace,

    /// <summary>Delete only the expected version: won when nothing is there.</summary>
    Delete,
}

/// <summary>
/// One conditional write, described for <see cref="ConditionalWriteResolver"/> by its two backend primitives: sending
/// it once, and re-reading the sidecar.
/// </summary>
/// <param name="Kind">Create, replace or delete.</param>
/// <param name="Expected">The version the write is conditional on; null for a create (expects absence).</param>
/// <param name="SendAsync">Sends the write once, conditional on the given version (null: only if absent). Failures
/// that are no write outcome (access denied, missing bucket…) are thrown as typed <see cref="LockStoreException"/>s.</param>
/// <param name="ObserveAsync">Re-reads the sidecar once (no retries: the resolver retries).</param>
/// <param name="Describe">Names the call in errors, e.g. <c>"S3 create of 's3://b/f.lock' on http://rgw"</c>.</param>
public sealed record ConditionalWrite(
    ConditionalWriteKind Kind,
    SidecarVersion? Expected,
    Func<SidecarVersion?, CancellationToken, Task<WriteResult>> SendAsync,
    Func<CancellationToken, Task<Observation>> ObserveAsync,
    string Describe);

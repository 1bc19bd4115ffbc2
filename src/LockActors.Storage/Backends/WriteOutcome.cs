namespace LockActors.Storage.Backends;

/// <summary>How one conditional write request ended, as far as the lock protocol cares.</summary>
public enum WriteOutcome
{
    /// <summary>The server applied it (2xx).</summary>
    Applied,

    /// <summary>The server refused it: the condition did not hold (412, or 404 for a write conditional on a version), nothing was written.</summary>
    Refused,

    /// <summary>5xx, 408, 409, 429, a timeout or a broken connection: it may or may not have applied.</summary>
    Unknown,
}

/// <summary>The result of one conditional write request.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Version">With <see cref="WriteOutcome.Applied"/>: the version written (null for a delete).</param>
/// <param name="Detail">What the server or transport said, for error messages.</param>
/// <param name="Error">The failure behind a refusal or an unknown outcome, if any.</param>
public readonly record struct WriteResult(WriteOutcome Outcome, SidecarVersion? Version, string Detail, Exception? Error = null)
{
    /// <summary>Applied; <paramref name="version"/> is the version written (null for a delete).</summary>
    public static WriteResult Applied(SidecarVersion? version = null) => new(WriteOutcome.Applied, version, "applied");

    /// <summary>Refused: the condition did not hold.</summary>
    public static WriteResult Refused(string detail, Exception? error = null) => new(WriteOutcome.Refused, null, detail, error);

    /// <summary>The write may or may not have applied.</summary>
    public static WriteResult Unknown(string detail, Exception? error = null) => new(WriteOutcome.Unknown, null, detail, error);
}

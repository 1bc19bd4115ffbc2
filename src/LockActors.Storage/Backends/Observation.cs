namespace LockActors.Storage.Backends;

/// <summary>What a re-read of the sidecar found, for <see cref="ConditionalWriteResolver"/>.</summary>
public enum ObservedState
{
    /// <summary>No sidecar (or a placeholder the store reads as absent, such as an S3 tombstone).</summary>
    Absent,

    /// <summary>A sidecar at <see cref="Observation.Version"/>.</summary>
    Present,

    /// <summary>The read itself failed transiently: nothing is known.</summary>
    Unknown,
}

/// <summary>One re-read of the sidecar a conditional write aimed at.</summary>
/// <param name="State">What is there.</param>
/// <param name="Version">The version present; for <see cref="ObservedState.Absent"/>, the version of a placeholder that
/// stands for absence (a create must then be conditional on it), or null for true absence.</param>
/// <param name="HoldsOurWrite">Present and holding exactly the bytes this call wrote (lock metadata is unique per write,
/// so this proves the write landed).</param>
/// <param name="Detail">With <see cref="ObservedState.Unknown"/>: what failed.</param>
/// <param name="Error">With <see cref="ObservedState.Unknown"/>: the failure, if any.</param>
public readonly record struct Observation(ObservedState State, SidecarVersion? Version, bool HoldsOurWrite, string Detail = "", Exception? Error = null)
{
    /// <summary>Nothing there; <paramref name="placeholder"/> is the version of a placeholder read as absent, if any.</summary>
    public static Observation Absent(SidecarVersion? placeholder = null) => new(ObservedState.Absent, placeholder, false);

    /// <summary>A sidecar at <paramref name="version"/>; <paramref name="holdsOurWrite"/> when its bytes are this call's.</summary>
    public static Observation Present(SidecarVersion version, bool holdsOurWrite) => new(ObservedState.Present, version, holdsOurWrite);

    /// <summary>The read failed transiently.</summary>
    public static Observation Unknown(string detail, Exception? error = null) => new(ObservedState.Unknown, null, false, detail, error);
}

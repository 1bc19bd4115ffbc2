namespace LockActors.Cli.Inspection;

/// <summary>What a sidecar says, judged as the lock actors judge it (protocol rule 4: on the store's clock).</summary>
/// <param name="Target">The target.</param>
/// <param name="Snapshot">The sidecar as read; null when there is none (or it is a released tombstone the store hides).</param>
/// <param name="Holder">The holder's metadata; null when free or corrupt.</param>
/// <param name="Released">A strict-fencing release marker: the target is free, the sidecar only keeps the last token.</param>
/// <param name="Corruption">Why the sidecar is not lock metadata, when it is not.</param>
/// <param name="Ttl">The TTL staleness is judged by: the holder's, or the configured default for a corrupt sidecar.</param>
/// <param name="StaleAfter">Age (store clock) after which the sidecar is stale; null = never (TTL 0).</param>
internal sealed record LockState(
    LockTarget Target,
    SidecarSnapshot? Snapshot,
    LockMetadata? Holder,
    bool Released,
    string? Corruption,
    TimeSpan Ttl,
    TimeSpan? StaleAfter)
{
    /// <summary>Nobody holds the target.</summary>
    public bool IsFree => Snapshot is null || Released;

    /// <summary>Time since the last write, on the store's clock.</summary>
    public TimeSpan? Age => IsFree ? null : Snapshot!.Age;

    /// <summary>The holder stopped renewing for longer than its TTL (plus clock resolution and grace): it may be broken.</summary>
    public bool IsStale => !IsFree && StaleAfter is { } after && Snapshot!.Age > after;

    /// <summary>How long until it becomes stale if nobody renews it; null when free, stale already, or never stale.</summary>
    public TimeSpan? StaleIn => IsFree || IsStale || StaleAfter is not { } after ? null : after - Snapshot!.Age;

    /// <summary>One word: <c>free</c>, <c>held</c>, <c>stale</c>, <c>corrupt</c> or <c>corrupt-stale</c>.</summary>
    public string Status => (IsFree, Corruption is not null, IsStale) switch
    {
        (true, _, _) => "free",
        (false, true, true) => "corrupt-stale",
        (false, true, false) => "corrupt",
        (false, false, true) => "stale",
        _ => "held",
    };
}

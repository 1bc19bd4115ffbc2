using LockActors.Storage;

namespace LockActors.Messages;

/// <summary>A sidecar whose holder stopped renewing for longer than its TTL (or that cannot be parsed).</summary>
/// <param name="Target">The target.</param>
/// <param name="Metadata">The stale holder's metadata; null when the sidecar is corrupt.</param>
/// <param name="Age">Time since the sidecar was last written, on the store's clock.</param>
/// <param name="Corruption">Why the sidecar could not be parsed; null when it parsed.</param>
public sealed record StaleLock(string Target, LockMetadata? Metadata, TimeSpan Age, string? Corruption)
{
    /// <summary>True when the sidecar could not be parsed.</summary>
    public bool IsCorrupt => Corruption is not null;
}

/// <summary>
/// Decides whether a stale lock may be taken over, from its holder's metadata or why its sidecar is corrupt. Consulted
/// only for sidecars already judged stale on the store's clock; a takeover it allows is a compare-and-swap on the
/// version read, so two contenders never both win.
/// </summary>
public sealed class StalePolicy
{
    private readonly Func<StaleLock, bool> _decide;

    private StalePolicy(string name, Func<StaleLock, bool> decide)
    {
        Name = name;
        _decide = decide;
    }

    /// <summary>Take over stale locks with valid metadata; never overwrite a corrupt sidecar (the default).</summary>
    public static StalePolicy TakeOver { get; } = new("take-over", s => !s.IsCorrupt);

    /// <summary>Never take over: wait for the holder (or an operator) to remove the sidecar.</summary>
    public static StalePolicy Never { get; } = new("never", _ => false);

    /// <summary>Take over stale locks, and also corrupt sidecars older than the default TTL.</summary>
    public static StalePolicy TakeOverIncludingCorrupt { get; } = new("take-over-including-corrupt", _ => true);

    /// <summary>The policy's name, for logs.</summary>
    public string Name { get; }

    /// <summary>A custom decision; it must be fast and must not block.</summary>
    public static StalePolicy When(Func<StaleLock, bool> decide, string name = "custom") => new(name, decide ?? throw new ArgumentNullException(nameof(decide)));

    /// <summary>Parses a HOCON value: <c>take-over</c>, <c>never</c> or <c>take-over-including-corrupt</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is none of these.</exception>
    public static StalePolicy Parse(string name) => name switch
    {
        "take-over" => TakeOver,
        "never" => Never,
        "take-over-including-corrupt" => TakeOverIncludingCorrupt,
        _ => throw new ArgumentException($"Unknown stale policy '{name}' (expected take-over, never or take-over-including-corrupt).", nameof(name)),
    };

    /// <summary>True when the stale lock may be taken over.</summary>
    public bool ShouldTakeOver(StaleLock stale) => _decide(stale);

    /// <inheritdoc />
    public override string ToString() => Name;
}

namespace LockActors.TestServers.Faults;

/// <summary>
/// Seeded random faults: each call independently draws one of delay / failure / dropped reply / hang at the given
/// rates. The same seed gives the same sequence of draws (the interleaving of concurrent callers may still vary).
/// </summary>
public sealed class RandomStoreFaults
{
    private readonly Lock _gate = new();
    private readonly Random _random;

    /// <summary>Creates the generator from <paramref name="seed"/>.</summary>
    public RandomStoreFaults(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
    }

    /// <summary>The seed, for replaying.</summary>
    public int Seed { get; }

    /// <summary>Fraction of calls delayed (half before applying, half after).</summary>
    public double DelayRate { get; init; }

    /// <summary>Longest injected delay (uniform in [0, MaxDelay]).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Fraction of calls failed before applying.</summary>
    public double FailRate { get; init; }

    /// <summary>Fraction of calls applied whose reply is dropped (half fail, half hang).</summary>
    public double DropReplyRate { get; init; }

    /// <summary>Fraction of calls that hang without applying.</summary>
    public double HangRate { get; init; }

    /// <summary>Whether injected hangs and delays ignore the caller's cancellation token.</summary>
    public bool IgnoreCancellation { get; init; }

    /// <summary>Primitives the faults apply to (all when empty).</summary>
    public IReadOnlySet<StorePrimitive> Primitives { get; init; } = new HashSet<StorePrimitive>();

    /// <summary>Draws the fault for one call of <paramref name="primitive"/>.</summary>
    public StoreFault Draw(StorePrimitive primitive)
    {
        if (Primitives.Count > 0 && !Primitives.Contains(primitive))
        {
            return StoreFault.None;
        }

        lock (_gate)
        {
            var roll = _random.NextDouble();
            var delay = TimeSpan.FromMilliseconds(_random.NextDouble() * MaxDelay.TotalMilliseconds);
            var half = _random.Next(2) == 0;
            if ((roll -= DelayRate) < 0)
            {
                return half ? StoreFault.DelayBeforeApply(delay, IgnoreCancellation) : StoreFault.DelayAfterApply(delay, IgnoreCancellation);
            }

            if ((roll -= FailRate) < 0)
            {
                return StoreFault.FailBeforeApply;
            }

            if ((roll -= DropReplyRate) < 0)
            {
                return half ? StoreFault.ApplyThenFail : StoreFault.ApplyThenHang(IgnoreCancellation);
            }

            return roll - HangRate < 0 ? StoreFault.Hang(IgnoreCancellation) : StoreFault.None;
        }
    }
}

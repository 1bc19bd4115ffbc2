using LockActors.Actors;
using Xunit;

namespace LockActors.Tests.Safety;

/// <summary>The pure staleness rules, on the store's clock (no actor system needed).</summary>
public sealed class StalenessTests
{
    private static readonly TimeSpan Resolution = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void A_sidecar_is_stale_only_after_ttl_plus_resolution_plus_grace()
    {
        var ttl = TimeSpan.FromSeconds(2);
        Assert.False(Staleness.IsStale(TimeSpan.FromMilliseconds(3500), ttl, Resolution, Grace));
        Assert.True(Staleness.IsStale(TimeSpan.FromMilliseconds(3501), ttl, Resolution, Grace));
    }

    [Fact]
    public void Ttl_zero_is_never_stale_as_in_c2fo_vfs()
    {
        Assert.False(Staleness.IsStale(TimeSpan.FromDays(365), TimeSpan.Zero, Resolution, Grace));
        Assert.Null(Staleness.TimeUntilStale(TimeSpan.Zero, TimeSpan.Zero, Resolution, Grace));
    }

    [Fact]
    public void A_waiter_re_reads_exactly_when_the_holder_can_first_be_stale()
    {
        var ttl = TimeSpan.FromSeconds(2);
        var age = TimeSpan.FromMilliseconds(1200);
        var wait = Staleness.TimeUntilStale(age, ttl, Resolution, Grace)!.Value;
        Assert.False(Staleness.IsStale(age + wait - TimeSpan.FromMilliseconds(2), ttl, Resolution, Grace));
        Assert.True(Staleness.IsStale(age + wait, ttl, Resolution, Grace));
    }

    [Fact]
    public void Extreme_ttls_do_not_overflow()
    {
        var ttl = TimeSpan.FromDays(3650);
        Assert.False(Staleness.IsStale(TimeSpan.FromDays(1), ttl, Resolution, Grace));
        Assert.NotNull(Staleness.TimeUntilStale(TimeSpan.Zero, ttl, Resolution, Grace));
    }
}

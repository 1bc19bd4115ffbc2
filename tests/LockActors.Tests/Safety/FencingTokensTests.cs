using LockActors.Actors;
using Xunit;

namespace LockActors.Tests.Safety;

/// <summary>The pure token rules (no actor system needed).</summary>
public sealed class FencingTokensTests
{
    [Theory]
    [InlineData(0L, 100L, 100L)]
    [InlineData(500L, 100L, 501L)]
    [InlineData(long.MaxValue - 1, 100L, long.MaxValue)]
    public void Next_token_is_above_the_last_seen_and_at_least_the_clock(long lastSeen, long clock, long expected) =>
        Assert.Equal(expected, FencingTokens.Next(lastSeen, clock));

    [Fact]
    public void Next_token_after_the_maximum_does_not_exist_it_never_wraps() =>
        Assert.Null(FencingTokens.Next(long.MaxValue, 100));

    [Fact]
    public void Drawn_tokens_strictly_increase_even_for_a_target_never_seen()
    {
        var previous = FencingTokens.Next(0)!.Value;
        for (var i = 0; i < 10_000; i++)
        {
            var next = FencingTokens.Next(0)!.Value;
            Assert.True(next > previous);
            previous = next;
        }
    }

    [Fact]
    public void A_huge_token_on_one_target_does_not_raise_the_clock_tokens_of_others()
    {
        Assert.Equal(long.MaxValue, FencingTokens.Next(long.MaxValue - 1));
        Assert.True(FencingTokens.Next(0) < long.MaxValue / 2);
    }

    [Fact]
    public void A_sidecar_token_covers_what_its_holder_can_have_been_handed_before_its_first_renewal()
    {
        var written = 1_000_000L;
        var ttl = TimeSpan.FromSeconds(30);
        // A holder hands out at most written + (send → reply) and never after its lease (< ttl).
        var handedOut = FencingTokens.AfterCreate(written, ttl * 0.75);
        Assert.True(FencingTokens.CoveredBy(written, ttl) > handedOut);
        Assert.True(FencingTokens.Next(FencingTokens.CoveredBy(written, ttl), 0) > handedOut);
    }

    [Fact]
    public void Covering_and_create_arithmetic_saturates()
    {
        Assert.Equal(long.MaxValue, FencingTokens.CoveredBy(long.MaxValue - 5, TimeSpan.FromDays(3650)));
        Assert.Equal(long.MaxValue, FencingTokens.AfterCreate(long.MaxValue, TimeSpan.FromSeconds(1)));
        Assert.Equal(42L, FencingTokens.AfterCreate(42, TimeSpan.FromTicks(-5)));
    }
}

using LockActors.Sftp;
using Xunit;

namespace LockActors.Sftp.Tests;

/// <summary>The server-clock estimate learned from the whole-second mtimes of the store's own writes.</summary>
public sealed class SftpServerClockTests
{
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private long _timestamp;

        public DateTimeOffset Local { get; private set; } = start;

        public override DateTimeOffset GetUtcNow() => Local;

        public override long GetTimestamp() => _timestamp;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by)
        {
            Local += by;
            _timestamp += by.Ticks;
        }
    }

    private static DateTimeOffset Floor(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>A write that the server (whose clock is local + offset) stamps halfway through a 4 ms round trip.</summary>
    private static void Write(ManualTime time, SftpServerClock clock, TimeSpan serverOffset)
    {
        var before = time.Local;
        time.Advance(TimeSpan.FromMilliseconds(2));
        var mtime = Floor(time.Local + serverOffset);
        time.Advance(TimeSpan.FromMilliseconds(2));
        clock.Observe(mtime, before, time.Local);
    }

    [Fact]
    public void Without_observations_the_local_clock_is_used_and_flagged_unknown()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new SftpServerClock(time);
        Assert.False(clock.IsKnown);
        Assert.Equal(time.Local, clock.Now);
    }

    [Fact]
    public void One_write_places_the_server_clock_within_a_second()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, 300, TimeSpan.Zero));
        var clock = new SftpServerClock(time);
        var offset = TimeSpan.FromSeconds(100.25);
        Write(time, clock, offset);
        Assert.InRange((clock.Now - (time.Local + offset)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Writes_at_different_sub_second_phases_tighten_the_estimate()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new SftpServerClock(time);
        var offset = TimeSpan.FromSeconds(-42.37);
        for (var i = 0; i < 40; i++)
        {
            Write(time, clock, offset);
            time.Advance(TimeSpan.FromMilliseconds(137));
        }

        Assert.True(clock.Uncertainty < TimeSpan.FromMilliseconds(100), $"uncertainty {clock.Uncertainty}");
        Assert.InRange((clock.Now - (time.Local + offset)).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_stepped_server_clock_restarts_the_estimate_instead_of_getting_stuck()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new SftpServerClock(time);
        for (var i = 0; i < 10; i++)
        {
            Write(time, clock, TimeSpan.FromSeconds(5));
            time.Advance(TimeSpan.FromMilliseconds(311));
        }

        var stepped = TimeSpan.FromSeconds(5) - TimeSpan.FromHours(1);
        Write(time, clock, stepped);
        Assert.InRange((clock.Now - (time.Local + stepped)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }
}

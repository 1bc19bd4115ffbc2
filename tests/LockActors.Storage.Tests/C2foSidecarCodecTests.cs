using System.Text;
using System.Text.Json;
using Xunit;

namespace LockActors.Storage.Tests;

/// <summary>
/// The codec's c2fo/vfs side: the committed corpus of sidecars written by Go's encoding/json (tests/interop/c2fo/fixtures)
/// decodes as foreign holders, and this library's sidecars carry c2fo's <c>ttl</c> so that <c>createdAt + ttl</c> is the
/// last heartbeat plus the lease. The Go program's own verdicts are checked in LockActors.Tests/Interop.
/// </summary>
public sealed class C2foSidecarCodecTests
{
    private static readonly SidecarKey Key = LockTarget.Parse("mem://c2fo/a.csv").Sidecar;

    private static readonly DateTimeOffset Created = new(2026, 12, 2, 15, 4, 5, TimeSpan.Zero);

    [Theory]
    [InlineData("held-1h.lock", "go-worker-7", "go-host-a", 4242, 36_000_000_000L, "2026-12-02T15:04:05.1234567+00:00")]
    [InlineData("never-stale.lock", "archiver", "go-host-b", 77, 0L, "2026-12-02T15:04:05.0000000+00:00")]
    [InlineData("no-owner-90s.lock", "", "go-host-c", 1, 900_000_000L, "2026-12-02T15:04:05.5000000+00:00")]
    [InlineData("sub-ms-ttl.lock", "nanos", "go-host-d", int.MaxValue, 15_001L, "2026-12-02T15:04:05.0000000+00:00")] // 1 500 001 ns rounds up to 15 001 ticks
    public void Go_written_fixtures_decode_as_foreign_holders(string file, string owner, string host, int pid, long ttlTicks, string createdAt)
    {
        var metadata = LockMetadataCodec.Decode(Key, File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "c2fo-fixtures", file)));
        Assert.Equal(SidecarFormat.C2foVfs, metadata.Format);
        Assert.Equal((owner, host, pid), (metadata.OwnerId, metadata.Hostname, metadata.ProcessId));
        Assert.Equal(TimeSpan.FromTicks(ttlTicks), metadata.Ttl);
        Assert.Equal(DateTimeOffset.Parse(createdAt, System.Globalization.CultureInfo.InvariantCulture), metadata.CreatedAt);
        Assert.Equal(metadata.CreatedAt, metadata.HeartbeatAt);
        Assert.Equal(0, metadata.FencingToken); // c2fo grants carry no token
        Assert.StartsWith("c2fo:" + host + ":" + pid + ":", metadata.LockId, StringComparison.Ordinal);
    }

    [Fact]
    public void The_made_up_lock_id_is_stable_and_differs_per_grant()
    {
        var first = Decode(C2fo("2026-12-02T15:04:05.000000001Z", 1_000_000_000));
        Assert.Equal(first.LockId, Decode(C2fo("2026-12-02T15:04:05.000000001Z", 1_000_000_000)).LockId);
        Assert.NotEqual(first.LockId, Decode(C2fo("2026-12-02T15:04:06Z", 1_000_000_000)).LockId);
    }

    [Fact]
    public void A_ttl_over_the_maximum_lease_reads_as_never_stale() =>
        Assert.Equal(TimeSpan.Zero, Decode(C2fo("2026-12-02T15:04:05Z", long.MaxValue)).Ttl); // ~292 years: Go's createdAt.Add overflows

    [Fact]
    public void The_longest_lease_this_library_reads_is_kept_exactly() =>
        Assert.Equal(SidecarLimits.MaxTtl, Decode(C2fo("2026-12-02T15:04:05Z", SidecarLimits.MaxTtl.Ticks * 100)).Ttl);

    [Fact]
    public void Every_sidecar_carries_c2fo_ttl_so_that_createdAt_plus_ttl_is_the_last_heartbeat_plus_the_lease()
    {
        var metadata = new LockMetadata("lock-1", "o", "h", 1, Created, Created.AddSeconds(40), TimeSpan.FromSeconds(30), 17);
        using var json = JsonDocument.Parse(LockMetadataCodec.Encode(metadata));
        var ttlNs = json.RootElement.GetProperty("ttl").GetInt64();
        var createdAt = json.RootElement.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(metadata.HeartbeatAt + metadata.Ttl, createdAt + TimeSpan.FromTicks(ttlNs / 100));
        Assert.Equal(0, ttlNs % 100);
        Assert.Equal(30_000, json.RootElement.GetProperty("ttlMs").GetInt64()); // our own fields unchanged
    }

    [Fact]
    public void A_heartbeat_rewrites_ttl_and_nothing_else_moves()
    {
        var first = new LockMetadata("lock-1", "o", "h", 1, Created, Created, TimeSpan.FromSeconds(30), 17);
        var renewed = first.WithHeartbeat(Created.AddSeconds(10));
        var (a, b) = (Parse(first), Parse(renewed));
        Assert.Equal(30_000_000_000L, a.GetProperty("ttl").GetInt64());
        Assert.Equal(40_000_000_000L, b.GetProperty("ttl").GetInt64());
        Assert.Equal(a.GetProperty("createdAt").GetString(), b.GetProperty("createdAt").GetString());
        Assert.Equal(renewed, LockMetadataCodec.Decode(Key, LockMetadataCodec.Encode(renewed)));
    }

    [Fact]
    public void A_heartbeat_behind_createdAt_never_shortens_the_lease_and_zero_stays_never_stale()
    {
        var steppedBack = new LockMetadata("lock-1", "o", "h", 1, Created, Created.AddMinutes(-5), TimeSpan.FromSeconds(30), 17);
        Assert.Equal(30_000_000_000L, Parse(steppedBack).GetProperty("ttl").GetInt64());
        Assert.Equal(0L, Parse(steppedBack with { Ttl = TimeSpan.Zero }).GetProperty("ttl").GetInt64());
        Assert.Equal(2_000_000L, Parse(steppedBack with { Ttl = TimeSpan.FromTicks(12_000) }).GetProperty("ttl").GetInt64()); // rounded up like ttlMs
    }

    [Fact]
    public void Sidecars_written_before_the_ttl_field_still_decode()
    {
        const string old = """{"v":1,"lockId":"x","ownerId":"o","hostname":"h","pid":1,"createdAt":"2026-01-01T00:00:00Z","heartbeatAt":"2026-01-01T00:00:10Z","ttlMs":30000,"fencingToken":5}""";
        var metadata = LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(old));
        Assert.Equal((SidecarFormat.LockActors, TimeSpan.FromSeconds(30), 5L), (metadata.Format, metadata.Ttl, metadata.FencingToken));
    }

    [Fact]
    public void Our_format_ignores_the_value_of_c2fo_ttl()
    {
        const string ours = """{"v":1,"lockId":"x","createdAt":"2026-01-01T00:00:00Z","ttlMs":30000,"ttl":-5}""";
        Assert.Equal(TimeSpan.FromSeconds(30), LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(ours)).Ttl);
    }

    [Theory]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":-1,"hostname":"h","pid":1}""", "negative")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":-9223372036854775808,"hostname":"h","pid":1}""", "negative")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":9223372036854775808,"hostname":"h","pid":1}""", "ttl")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1e400,"hostname":"h","pid":1}""", "ttl")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1.5,"hostname":"h","pid":1}""", "ttl")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":"30s","hostname":"h","pid":1}""", "ttl")]
    [InlineData("""{"ttl":1000,"hostname":"h","pid":1}""", "createdAt")]
    [InlineData("""{"createdAt":"0001-01-01T00:00:00Z","ttl":1000}""", "createdAt")] // Go's zero time
    [InlineData("""{"createdAt":"yesterday","ttl":1000}""", "createdAt")]
    [InlineData("""{"createdAt":"2026-02-30T00:00:00Z","ttl":1000}""", "createdAt")]
    [InlineData("""{"createdAt":1767225600,"ttl":1000}""", "createdAt")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1000,"pid":-1}""", "pid")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1000,"pid":9223372036854775807}""", "pid")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1000,"hostname":7}""", "hostname")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1000,"ttl":2000}""", "more than once")]
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1000,"fencingToken":99}""", "mixes")] // a token without a format version is not trusted
    [InlineData("""{"createdAt":"2026-12-02T15:04:05Z","ttl":1000,"lockId":"x"}""", "mixes")]
    public void Hostile_c2fo_sidecars_are_corrupt_sidecar_errors(string json, string reason)
    {
        var error = Assert.Throws<CorruptSidecarException>(() => LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(json)));
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_c2fo_sidecar_is_a_too_large_error()
    {
        var padded = "{\"createdAt\":\"2026-12-02T15:04:05Z\",\"ttl\":1000,\"hostname\":\"" + new string('h', SidecarLimits.MaxBytes) + "\"}";
        Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(padded)));
    }

    private static string C2fo(string createdAt, long ttlNs) =>
        $$"""{"createdAt":"{{createdAt}}","ttl":{{ttlNs}},"hostname":"go-host","pid":7,"ownerId":"w"}""";

    private static LockMetadata Decode(string json) => LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(json));

    private static JsonElement Parse(LockMetadata metadata) => JsonDocument.Parse(LockMetadataCodec.Encode(metadata)).RootElement.Clone();
}

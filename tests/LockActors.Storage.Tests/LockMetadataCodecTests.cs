using System.Text;
using Xunit;

namespace LockActors.Storage.Tests;

public sealed class LockMetadataCodecTests
{
    private const string ValidTail = "\"createdAt\":\"2026-01-01T00:00:00Z\"";

    private static readonly SidecarKey Key = LockTarget.Parse("mem://ns/a.csv").Sidecar;

    private static readonly LockMetadata Sample = new(
        "lock-1", "owner-a", "host-1", 4242,
        new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        new DateTimeOffset(2026, 1, 2, 3, 4, 15, TimeSpan.Zero),
        TimeSpan.FromSeconds(30), 17);

    private static readonly long MaxTtlMs = (long)SidecarLimits.MaxTtl.TotalMilliseconds;

    [Fact]
    public void Encode_then_decode_round_trips() => Assert.Equal(Sample, LockMetadataCodec.Decode(Key, LockMetadataCodec.Encode(Sample)));

    [Fact]
    public void Encoded_json_carries_a_format_version_and_every_field()
    {
        var json = Encoding.UTF8.GetString(LockMetadataCodec.Encode(Sample));
        foreach (var field in new[] { "\"v\":1", "\"lockId\":\"lock-1\"", "\"ownerId\":\"owner-a\"", "\"hostname\":\"host-1\"", "\"pid\":4242", "\"createdAt\"", "\"heartbeatAt\"", "\"ttlMs\":30000", "\"fencingToken\":17" })
        {
            Assert.Contains(field, json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unknown_fields_are_tolerated()
    {
        var json = "{\"v\":1,\"lockId\":\"x\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1000,\"futureField\":{\"a\":[1,2]}}";
        var metadata = LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(json));
        Assert.Equal("x", metadata.LockId);
        Assert.Equal(TimeSpan.FromSeconds(1), metadata.Ttl);
    }

    [Fact]
    public void Null_optional_fields_read_as_absent()
    {
        var json = "{\"v\":1,\"lockId\":\"x\",\"ownerId\":null,\"hostname\":null,\"pid\":null,\"heartbeatAt\":null,\"fencingToken\":null," + ValidTail + ",\"ttlMs\":5}";
        var metadata = LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(json));
        Assert.Equal((string.Empty, string.Empty, 0, 0L), (metadata.OwnerId, metadata.Hostname, metadata.ProcessId, metadata.FencingToken));
        Assert.Equal(metadata.CreatedAt, metadata.HeartbeatAt);
    }

    [Fact]
    public void A_leading_utf8_byte_order_mark_is_tolerated() =>
        Assert.Equal(Sample, LockMetadataCodec.Decode(Key, [0xEF, 0xBB, 0xBF, .. LockMetadataCodec.Encode(Sample)]));

    [Fact]
    public void Zero_ttl_is_valid_and_means_never_stale_as_in_c2fo_vfs() =>
        Assert.Equal(TimeSpan.Zero, Decode("\"ttlMs\":0").Ttl);

    [Theory]
    [InlineData(1L, 1L)] // one tick: never written as 0, which would mean "never stale"
    [InlineData(5_000L, 1L)] // 0.5 ms
    [InlineData(12_000L, 2L)] // 1.2 ms rounds up: nobody judges it stale before the holder's TTL
    [InlineData(30_000L, 3L)]
    public void A_ttl_that_is_not_whole_milliseconds_is_rounded_up_never_down_to_zero(long ticks, long expectedMs)
    {
        var encoded = LockMetadataCodec.Encode(Sample with { Ttl = TimeSpan.FromTicks(ticks) });
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), LockMetadataCodec.Decode(Key, encoded).Ttl);
    }

    [Fact]
    public void The_largest_documented_ttl_decodes() => Assert.Equal(SidecarLimits.MaxTtl, Decode($"\"ttlMs\":{MaxTtlMs}").Ttl);

    [Fact]
    public void A_fencing_token_of_long_MaxValue_decodes() =>
        Assert.Equal(long.MaxValue, Decode("\"ttlMs\":1,\"fencingToken\":9223372036854775807").FencingToken);

    [Fact]
    public void Extreme_valid_values_round_trip()
    {
        var extreme = Sample with
        {
            Ttl = SidecarLimits.MaxTtl,
            FencingToken = long.MaxValue,
            ProcessId = int.MaxValue,
            CreatedAt = SidecarLimits.EarliestTimestamp,
            HeartbeatAt = SidecarLimits.LatestTimestamp.AddTicks(-1),
        };
        Assert.Equal(extreme, LockMetadataCodec.Decode(Key, LockMetadataCodec.Encode(extreme)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("{\"lockId\":\"x\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1}")]
    [InlineData("{\"v\":99,\"lockId\":\"x\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"ttlMs\":-5,\"createdAt\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"ttlMs\":\"many\",\"createdAt\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"createdAt\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttl\":-1}")] // c2fo/vfs with a negative ttl
    [InlineData("{\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttl\":99999999999999999999}")] // c2fo/vfs ttl beyond int64
    [InlineData("{\"createdAt\":\"not a date\",\"ttl\":1000}")]
    [InlineData("{\"ttl\":1000,\"hostname\":\"h\",\"pid\":1}")]
    public void Garbage_is_a_corrupt_sidecar_error_naming_the_sidecar(string content) => AssertCorrupt(Encoding.UTF8.GetBytes(content));

    [Theory]
    [InlineData("\"ttlMs\":9223372036854775807", "ttlMs")] // TimeSpan.FromMilliseconds overflowed here
    [InlineData("\"ttlMs\":315360000001", "ttlMs")] // MaxTtl + 1 ms
    [InlineData("\"ttlMs\":-1", "ttlMs")]
    [InlineData("\"ttlMs\":1.5", "ttlMs")]
    [InlineData("\"ttlMs\":1e3", "ttlMs")]
    [InlineData("\"ttlMs\":1e400", "ttlMs")]
    [InlineData("\"ttlMs\":123456789012345678901234567890", "ttlMs")]
    [InlineData("\"ttlMs\":\"1000\"", "ttlMs")]
    [InlineData("\"ttlMs\":true", "ttlMs")]
    [InlineData("\"ttlMs\":[1]", "ttlMs")]
    [InlineData("\"ttlMs\":1,\"fencingToken\":-1", "fencingToken")]
    [InlineData("\"ttlMs\":1,\"fencingToken\":9223372036854775808", "fencingToken")]
    [InlineData("\"ttlMs\":1,\"fencingToken\":-9223372036854775808", "fencingToken")]
    [InlineData("\"ttlMs\":1,\"fencingToken\":\"17\"", "fencingToken")]
    [InlineData("\"ttlMs\":1,\"pid\":-1", "pid")]
    [InlineData("\"ttlMs\":1,\"pid\":2147483648", "pid")]
    [InlineData("\"ttlMs\":1,\"pid\":\"42\"", "pid")]
    [InlineData("\"ttlMs\":1,\"pid\":4.2", "pid")]
    [InlineData("\"ttlMs\":1,\"heartbeatAt\":\"0001-01-01T00:00:00+14:00\"", "heartbeatAt")] // below DateTimeOffset.MinValue in UTC
    [InlineData("\"ttlMs\":1,\"heartbeatAt\":\"9999-12-31T23:59:59-14:00\"", "heartbeatAt")] // above DateTimeOffset.MaxValue in UTC
    [InlineData("\"ttlMs\":1,\"heartbeatAt\":\"9999-12-31T23:59:59Z\"", "heartbeatAt")]
    [InlineData("\"ttlMs\":1,\"heartbeatAt\":\"1969-12-31T23:59:59Z\"", "heartbeatAt")]
    [InlineData("\"ttlMs\":1,\"heartbeatAt\":\"2026-13-01T00:00:00Z\"", "heartbeatAt")]
    [InlineData("\"ttlMs\":1,\"heartbeatAt\":\"yesterday\"", "heartbeatAt")]
    [InlineData("\"ttlMs\":1,\"heartbeatAt\":1767225600", "heartbeatAt")]
    [InlineData("\"ttlMs\":1,\"lockId\":5", "lockId")]
    [InlineData("\"ttlMs\":1,\"ownerId\":[]", "ownerId")]
    [InlineData("\"ttlMs\":1,\"hostname\":{}", "hostname")]
    [InlineData("\"ttlMs\":1,\"v\":\"1\"", "v")]
    [InlineData("\"ttlMs\":1,\"v\":1.0", "v")]
    [InlineData("\"ttlMs\":1,\"v\":4294967297", "v")]
    public void Out_of_range_or_mistyped_fields_are_corrupt_sidecar_errors(string fields, string field)
    {
        // The field under test comes last: a duplicate of v/lockId above it must not be what is reported.
        var json = field is "lockId" or "v"
            ? "{" + (field == "v" ? "\"lockId\":\"x\"" : "\"v\":1") + "," + ValidTail + "," + fields + "}"
            : "{\"v\":1,\"lockId\":\"x\"," + ValidTail + "," + fields + "}";
        var error = AssertCorrupt(Encoding.UTF8.GetBytes(json));
        Assert.Contains(field, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"createdAt\":\"0001-01-01T00:00:00+14:00\",\"ttlMs\":1")]
    [InlineData("\"createdAt\":\"10000-01-01T00:00:00Z\",\"ttlMs\":1")]
    [InlineData("\"createdAt\":\"\",\"ttlMs\":1")]
    [InlineData("\"createdAt\":null,\"ttlMs\":1")]
    public void An_unusable_creation_time_is_a_corrupt_sidecar_error(string fields) =>
        AssertCorrupt(Encoding.UTF8.GetBytes("{\"v\":1,\"lockId\":\"x\"," + fields + "}"));

    [Theory]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"lockId\":\"y\"," + ValidTail + ",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"\\u006cockId\":\"y\"," + ValidTail + ",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1,\"ttlMs\":2}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1,\"extra\":1,\"extra\":2}")]
    public void Duplicate_fields_are_corrupt_sidecar_errors(string json)
    {
        var error = AssertCorrupt(Encoding.UTF8.GetBytes(json));
        Assert.Contains("more than once", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1}x")]
    [InlineData("{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1}{}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1,}")]
    [InlineData("{\"v\":1,/* c */\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"lockId\":\"\\ud800\"," + ValidTail + ",\"ttlMs\":1}")] // escaped lone surrogate
    [InlineData("{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1")]
    public void Malformed_json_is_a_corrupt_sidecar_error(string json) => AssertCorrupt(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData(20)]
    [InlineData(100_000 / 3)]
    public void Deep_nesting_is_a_corrupt_sidecar_error(int depth)
    {
        var json = "{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1,\"deep\":" + new string('[', depth) + new string(']', depth) + "}";
        var bytes = Encoding.UTF8.GetBytes(json);
        if (bytes.Length > SidecarLimits.MaxBytes)
        {
            bytes = bytes[..SidecarLimits.MaxBytes];
        }

        AssertCorrupt(bytes);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })] // broken two-byte sequence
    [InlineData(new byte[] { 0xC0, 0xAF })] // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // UTF-8-encoded surrogate
    [InlineData(new byte[] { 0xFF })]
    public void Invalid_utf8_anywhere_is_a_corrupt_sidecar_error(byte[] invalid)
    {
        foreach (var field in new[] { "lockId", "hostname", "unknownField" })
        {
            var head = Encoding.UTF8.GetBytes("{\"v\":1,\"lockId\":\"x\"," + ValidTail + ",\"ttlMs\":1,\"" + field + "\":\"a");
            var tail = Encoding.UTF8.GetBytes("\"}");
            var error = AssertCorrupt([.. head, .. invalid, .. tail]);
            Assert.Contains("UTF-8", error.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Oversized_content_is_a_too_large_error() =>
        Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(Key, new byte[SidecarLimits.MaxBytes + 1]));

    [Fact]
    public void Encode_refuses_metadata_that_would_read_back_as_corrupt()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LockMetadataCodec.Encode(Sample with { Ttl = TimeSpan.MaxValue }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LockMetadataCodec.Encode(Sample with { Ttl = SidecarLimits.MaxTtl + TimeSpan.FromMilliseconds(1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LockMetadataCodec.Encode(Sample with { Ttl = TimeSpan.FromTicks(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LockMetadataCodec.Encode(Sample with { FencingToken = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LockMetadataCodec.Encode(Sample with { ProcessId = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LockMetadataCodec.Encode(Sample with { CreatedAt = DateTimeOffset.MinValue }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LockMetadataCodec.Encode(Sample with { HeartbeatAt = DateTimeOffset.MaxValue }));
        Assert.Throws<ArgumentException>(() => LockMetadataCodec.Encode(Sample with { LockId = " " }));
    }

    private static LockMetadata Decode(string fields) =>
        LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes("{\"v\":1,\"lockId\":\"x\"," + ValidTail + "," + fields + "}"));

    private static CorruptSidecarException AssertCorrupt(byte[] content)
    {
        // Exactly CorruptSidecarException: no OverflowException, InvalidOperationException, … may escape.
        var error = Assert.Throws<CorruptSidecarException>(() => LockMetadataCodec.Decode(Key, content));
        Assert.Equal(Key, error.Key);
        return error;
    }
}

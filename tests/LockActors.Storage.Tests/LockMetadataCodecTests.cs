using System.Text;
using Xunit;

namespace LockActors.Storage.Tests;

public sealed class LockMetadataCodecTests
{
    private static readonly SidecarKey Key = LockTarget.Parse("mem://ns/a.csv").Sidecar;

    private static readonly LockMetadata Sample = new(
        "lock-1", "owner-a", "host-1", 4242,
        new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        new DateTimeOffset(2026, 1, 2, 3, 4, 15, TimeSpan.Zero),
        TimeSpan.FromSeconds(30), 17);

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

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"lockId\":\"x\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1}")]
    [InlineData("{\"v\":99,\"lockId\":\"x\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"ttlMs\":1}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"ttlMs\":-5,\"createdAt\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"v\":1,\"lockId\":\"x\",\"ttlMs\":\"many\",\"createdAt\":\"2026-01-01T00:00:00Z\"}")]
    public void Garbage_is_a_corrupt_sidecar_error_naming_the_sidecar(string content)
    {
        var error = Assert.Throws<CorruptSidecarException>(() => LockMetadataCodec.Decode(Key, Encoding.UTF8.GetBytes(content)));
        Assert.Equal(Key, error.Key);
    }

    [Fact]
    public void Oversized_content_is_a_too_large_error() =>
        Assert.Throws<SidecarTooLargeException>(() => LockMetadataCodec.Decode(Key, new byte[SidecarLimits.MaxBytes + 1]));
}

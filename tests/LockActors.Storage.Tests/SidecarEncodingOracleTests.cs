using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace LockActors.Storage.Tests;

/// <summary>
/// The sidecar encoder writes with a reused <see cref="Utf8JsonWriter"/> (issue 15, P4): its bytes must be exactly what
/// the <see cref="JsonSerializer"/> it replaced wrote, so every reader (older versions of this library, c2fo/vfs) sees
/// the same sidecars. The serializer path is kept here as the oracle.
/// </summary>
public sealed class SidecarEncodingOracleTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static TheoryData<LockMetadata> Samples() =>
    [
        new("0123abcd-0f1e2d3c4b5a69788796a5b4c3d2e1f0", "owner-a", "host-1", 4242, Created, Created.AddSeconds(10), TimeSpan.FromSeconds(30), 17),
        new("lock \"quoted\" <tag> & 'apos' \\ back/slash", "ownér 日本 😀 +", "hôst\tname", 0, Created, Created, TimeSpan.Zero, 0),
        new("x", string.Empty, string.Empty, int.MaxValue, Created.AddTicks(1234567), Created.AddTicks(1), TimeSpan.FromTicks(1), long.MaxValue),
        new("y", null!, null!, 1, new DateTimeOffset(2026, 6, 7, 8, 9, 10, 120, TimeSpan.FromHours(5.5)), new DateTimeOffset(2026, 6, 7, 8, 9, 10, TimeSpan.FromHours(-7)), SidecarLimits.MaxTtl, 9),
        new("z", new string('o', 1024), new string('h', 300) + "\u0001\u007f\u2028", 7, SidecarLimits.EarliestTimestamp, SidecarLimits.LatestTimestamp.AddTicks(-1), TimeSpan.FromMilliseconds(1.5), 1),
    ];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Encode_writes_what_the_serializer_wrote(LockMetadata metadata) =>
        Assert.Equal(Oracle(metadata), LockMetadataCodec.Encode(metadata));

    [Fact]
    public void Encode_writes_what_the_serializer_wrote_for_random_metadata()
    {
        var random = new Random(15);
        for (var i = 0; i < 2_000; i++)
        {
            var at = SidecarLimits.EarliestTimestamp.AddTicks(random.NextInt64((SidecarLimits.LatestTimestamp - SidecarLimits.EarliestTimestamp).Ticks))
                .ToOffset(TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1)));
            var metadata = new LockMetadata(RandomText(random, 1), RandomText(random, 0), RandomText(random, 0), random.Next(),
                at, at.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay)), TimeSpan.FromTicks(random.NextInt64(SidecarLimits.MaxTtl.Ticks + 1)), random.NextInt64());
            Assert.Equal(Oracle(metadata), LockMetadataCodec.Encode(metadata));
        }
    }

    [Fact]
    public void Encode_is_correct_on_many_threads_at_once() =>
        Parallel.For(0, 4_000, i =>
        {
            var metadata = new LockMetadata($"lock-{i}", new string('o', i % 5 == 0 ? 2_000 : 3), "host", i, Created, Created, TimeSpan.FromSeconds(i % 60), i);
            Assert.Equal(Oracle(metadata), LockMetadataCodec.Encode(metadata));
        });

    private static readonly string[] Pieces = ["a", "X", "0", " ", "-", "/", "\\", "\"", "'", "<", ">", "&", "+", "é", "日", "😀", "\t", "\u0001", "\u2028"];

    /// <summary>Text of up to 40 pieces that need escaping or not; with <paramref name="minLength"/> 1, never blank (a lock id).</summary>
    private static string RandomText(Random random, int minLength)
    {
        var text = string.Concat(Enumerable.Range(0, random.Next(minLength, 40)).Select(_ => Pieces[random.Next(Pieces.Length)]));
        return minLength > 0 && string.IsNullOrWhiteSpace(text) ? "t" + text : text;
    }

    /// <summary>The encoder before issue 15's P4 work: the source-generated serializer over a wire type.</summary>
    private static byte[] Oracle(LockMetadata metadata)
    {
        var ttlMs = (metadata.Ttl.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        var wire = new OracleSidecar
        {
            FormatVersion = LockMetadata.CurrentFormatVersion,
            LockId = metadata.LockId,
            OwnerId = metadata.OwnerId,
            Hostname = metadata.Hostname,
            Pid = metadata.ProcessId,
            CreatedAt = metadata.CreatedAt,
            HeartbeatAt = metadata.HeartbeatAt,
            TtlMs = ttlMs,
            C2foTtlNanoseconds = C2foSidecar.TtlNanosecondsFor(metadata, TimeSpan.FromMilliseconds(ttlMs)),
            FencingToken = metadata.FencingToken,
        };
        return JsonSerializer.SerializeToUtf8Bytes(wire, OracleContext.Default.OracleSidecar);
    }
}

internal sealed class OracleSidecar
{
    [JsonPropertyName("v")]
    public int? FormatVersion { get; set; }

    [JsonPropertyName("lockId")]
    public string? LockId { get; set; }

    [JsonPropertyName("ownerId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OwnerId { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("pid")]
    public int? Pid { get; set; }

    [JsonPropertyName("createdAt")]
    public DateTimeOffset? CreatedAt { get; set; }

    [JsonPropertyName("heartbeatAt")]
    public DateTimeOffset? HeartbeatAt { get; set; }

    [JsonPropertyName("ttlMs")]
    public long? TtlMs { get; set; }

    [JsonPropertyName("ttl")]
    public long? C2foTtlNanoseconds { get; set; }

    [JsonPropertyName("fencingToken")]
    public long? FencingToken { get; set; }
}

[JsonSerializable(typeof(OracleSidecar))]
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.Strict)]
internal sealed partial class OracleContext : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace LockActors.Storage;

/// <summary>
/// Encodes <see cref="LockMetadata"/> as versioned JSON and decodes it defensively: unknown fields are
/// ignored, anything else that is not valid metadata becomes a <see cref="CorruptSidecarException"/>.
/// </summary>
/// <remarks>
/// Field names follow the c2fo/vfs lockfile (<c>createdAt</c>, <c>hostname</c>, <c>pid</c>, <c>ownerId</c>) so the
/// files read naturally next to that format; <c>ttl</c> is written as milliseconds in <c>ttlMs</c>.
/// </remarks>
public static class LockMetadataCodec
{
    /// <summary>Serialises metadata to UTF-8 JSON.</summary>
    public static byte[] Encode(LockMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var wire = new SidecarJson
        {
            FormatVersion = LockMetadata.CurrentFormatVersion,
            LockId = metadata.LockId,
            OwnerId = metadata.OwnerId,
            Hostname = metadata.Hostname,
            Pid = metadata.ProcessId,
            CreatedAt = metadata.CreatedAt,
            HeartbeatAt = metadata.HeartbeatAt,
            TtlMs = (long)metadata.Ttl.TotalMilliseconds,
            FencingToken = metadata.FencingToken,
        };
        return JsonSerializer.SerializeToUtf8Bytes(wire, SidecarJsonContext.Default.SidecarJson);
    }

    /// <summary>Parses sidecar bytes, or throws <see cref="CorruptSidecarException"/> naming <paramref name="key"/>.</summary>
    public static LockMetadata Decode(SidecarKey key, ReadOnlySpan<byte> content)
    {
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        if (content.IsEmpty)
        {
            throw new CorruptSidecarException(key, "it is empty");
        }

        SidecarJson? wire;
        try
        {
            wire = JsonSerializer.Deserialize(content, SidecarJsonContext.Default.SidecarJson);
        }
        catch (JsonException e)
        {
            throw new CorruptSidecarException(key, "it is not valid lock-metadata JSON (" + e.Message + ")", e);
        }

        if (wire is null)
        {
            throw new CorruptSidecarException(key, "it holds JSON null");
        }

        if (wire.FormatVersion is not { } version || version < 1)
        {
            throw new CorruptSidecarException(key, "the format version field 'v' is missing");
        }

        if (version > LockMetadata.CurrentFormatVersion)
        {
            throw new CorruptSidecarException(key, $"format version {version} is newer than this library understands ({LockMetadata.CurrentFormatVersion})");
        }

        if (string.IsNullOrWhiteSpace(wire.LockId))
        {
            throw new CorruptSidecarException(key, "the lock id is missing");
        }

        if (wire.TtlMs is not { } ttlMs || ttlMs < 0 || wire.CreatedAt is null)
        {
            throw new CorruptSidecarException(key, "ttlMs or createdAt is missing or negative");
        }

        return new LockMetadata(
            wire.LockId,
            wire.OwnerId ?? string.Empty,
            wire.Hostname ?? string.Empty,
            wire.Pid ?? 0,
            wire.CreatedAt.Value,
            wire.HeartbeatAt ?? wire.CreatedAt.Value,
            TimeSpan.FromMilliseconds(ttlMs),
            wire.FencingToken ?? 0);
    }
}

internal sealed class SidecarJson
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

    [JsonPropertyName("fencingToken")]
    public long? FencingToken { get; set; }
}

[JsonSerializable(typeof(SidecarJson))]
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.Strict)]
internal sealed partial class SidecarJsonContext : JsonSerializerContext;

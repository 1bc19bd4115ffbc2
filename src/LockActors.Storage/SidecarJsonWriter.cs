using System.Buffers;
using System.Text.Json;

namespace LockActors.Storage;

/// <summary>
/// Writes the JSON of a sidecar with one <see cref="Utf8JsonWriter"/> and buffer per thread, reused: a grant's only
/// allocation here is the returned array. The output is byte for byte what <c>JsonSerializer</c> wrote for the same
/// fields before (declaration order, no white space, the default encoder; <c>ownerId</c> left out when null).
/// </summary>
internal static class SidecarJsonWriter
{
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText LockId = JsonEncodedText.Encode("lockId");
    private static readonly JsonEncodedText OwnerId = JsonEncodedText.Encode("ownerId");
    private static readonly JsonEncodedText Hostname = JsonEncodedText.Encode("hostname");
    private static readonly JsonEncodedText Pid = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText CreatedAt = JsonEncodedText.Encode("createdAt");
    private static readonly JsonEncodedText HeartbeatAt = JsonEncodedText.Encode("heartbeatAt");
    private static readonly JsonEncodedText TtlMs = JsonEncodedText.Encode("ttlMs");
    private static readonly JsonEncodedText C2foTtl = JsonEncodedText.Encode("ttl");
    private static readonly JsonEncodedText FencingToken = JsonEncodedText.Encode("fencingToken");

    /// <summary>A buffer grown past this (a long owner id or host name) is dropped after use instead of kept by the thread.</summary>
    private const int KeptBufferBytes = 4096;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The sidecar JSON of <paramref name="metadata"/> (already validated), with its TTL in whole milliseconds and c2fo's <c>ttl</c>.</summary>
    public static byte[] Write(LockMetadata metadata, long ttlMs, long c2foTtlNanoseconds)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer);
        }
        else
        {
            writer.Reset(buffer);
        }

        try
        {
            writer.WriteStartObject();
            writer.WriteNumber(Version, LockMetadata.CurrentFormatVersion);
            WriteStringOrNull(writer, LockId, metadata.LockId);
            if (metadata.OwnerId is { } owner)
            {
                writer.WriteString(OwnerId, owner);
            }

            WriteStringOrNull(writer, Hostname, metadata.Hostname);
            writer.WriteNumber(Pid, metadata.ProcessId);
            writer.WriteString(CreatedAt, metadata.CreatedAt);
            writer.WriteString(HeartbeatAt, metadata.HeartbeatAt);
            writer.WriteNumber(TtlMs, ttlMs);
            writer.WriteNumber(C2foTtl, c2foTtlNanoseconds);
            writer.WriteNumber(FencingToken, metadata.FencingToken);
            writer.WriteEndObject();
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity > KeptBufferBytes)
            {
                t_buffer = null;
            }
            else
            {
                buffer.ResetWrittenCount();
            }
        }
    }

    // A null string (possible from callers without nullable analysis) was written as JSON null by the serializer.
    private static void WriteStringOrNull(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace LockActors.Storage;

/// <summary>
/// Encodes <see cref="LockMetadata"/> as versioned JSON and decodes it defensively: unknown fields are
/// ignored, anything else that is not valid metadata becomes a <see cref="CorruptSidecarException"/>.
/// </summary>
/// <remarks>
/// <para>Field names follow the c2fo/vfs lockfile (<c>createdAt</c>, <c>hostname</c>, <c>pid</c>, <c>ownerId</c>); the
/// lease is <c>ttlMs</c> (milliseconds). For c2fo readers every sidecar also carries c2fo's <c>ttl</c> (nanoseconds),
/// chosen so that c2fo's <c>createdAt + ttl</c> is the last heartbeat plus the lease (see <see cref="C2foSidecar"/>);
/// this library ignores that field in its own format.</para>
/// <para>A sidecar without <c>v</c> but with c2fo's <c>ttl</c> is a c2fo/vfs sidecar: it decodes as a foreign holder
/// (<see cref="LockMetadata.Format"/> <see cref="SidecarFormat.C2foVfs"/>, fencing token 0, <c>ttl</c> 0 or over
/// <see cref="SidecarLimits.MaxTtl"/> never stale; a negative <c>ttl</c>, a missing <c>createdAt</c> or fields of this
/// library's format without <c>v</c> are corrupt).</para>
/// <para><see cref="Decode"/> throws nothing but <see cref="CorruptSidecarException"/> (or its
/// <see cref="SidecarTooLargeException"/>), whatever the bytes: content over <see cref="SidecarLimits.MaxBytes"/>,
/// invalid UTF-8, anything but one JSON object, nesting deeper than 16, a field given twice, a field of the wrong JSON
/// type, a number that is not an integer in range (<c>v</c> 1..current, <c>pid</c> ≥ 0, <c>ttlMs</c> 0..<see cref="SidecarLimits.MaxTtl"/>,
/// <c>fencingToken</c> ≥ 0, up to <see cref="long.MaxValue"/>), a date outside
/// <see cref="SidecarLimits.EarliestTimestamp"/>..<see cref="SidecarLimits.LatestTimestamp"/>. JSON <c>null</c> counts as an absent field.</para>
/// </remarks>
public static class LockMetadataCodec
{
    /// <summary>Deepest JSON nesting accepted (unknown fields may hold objects; the metadata itself is depth 1).</summary>
    private const int MaxDepth = 16;

    private const int MaxNameInMessage = 40;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Serialises metadata to UTF-8 JSON.</summary>
    /// <exception cref="ArgumentException">The metadata holds a value <see cref="Decode"/> would refuse (empty lock id,
    /// TTL outside 0..<see cref="SidecarLimits.MaxTtl"/>, negative pid or fencing token, a time outside the timestamp
    /// window): nothing is written that would read back as corrupt.</exception>
    public static byte[] Encode(LockMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Validate(metadata);
        var ttlMs = TtlMillisecondsOf(metadata.Ttl);
        return SidecarJsonWriter.Write(metadata, ttlMs, C2foSidecar.TtlNanosecondsFor(metadata, TimeSpan.FromMilliseconds(ttlMs)));
    }

    /// <summary>
    /// Parses sidecar bytes, or throws <see cref="CorruptSidecarException"/> naming <paramref name="key"/>
    /// (<see cref="SidecarTooLargeException"/> for content over <see cref="SidecarLimits.MaxBytes"/>). No other exception
    /// escapes, whatever <paramref name="content"/> holds.
    /// </summary>
    public static LockMetadata Decode(SidecarKey key, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(key);
        SidecarLimits.EnsureWithinLimit(key, content.Length);
        if (content.IsEmpty)
        {
            throw new CorruptSidecarException(key, "it is empty");
        }

        if (!Utf8.IsValid(content))
        {
            throw new CorruptSidecarException(key, "it is not valid UTF-8");
        }

        try
        {
            // A UTF-8 byte-order mark (some editors add one) is not JSON, and Utf8JsonReader does not skip it.
            return Parse(key, content.StartsWith("\uFEFF"u8) ? content[3..] : content);
        }
        catch (JsonException e)
        {
            throw new CorruptSidecarException(key, "it is not valid lock-metadata JSON (" + e.Message + ")", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            // Defence in depth: the parser below checks every value, but no reader quirk may escape as an untyped error.
            throw new CorruptSidecarException(key, $"it cannot be read as lock metadata ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static LockMetadata Parse(SidecarKey key, ReadOnlySpan<byte> content)
    {
        var reader = new Utf8JsonReader(content, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new CorruptSidecarException(key, "it is not a JSON object");
        }

        int? version = null;
        string? lockId = null, ownerId = null, hostname = null;
        int? pid = null;
        DateTimeOffset? createdAt = null, heartbeatAt = null;
        long? ttlMs = null, fencingToken = null, c2foTtl = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            if (!seen.Add(name))
            {
                throw new CorruptSidecarException(key, $"the field '{Shorten(name)}' appears more than once");
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            switch (name)
            {
                case "v":
                    version = (int)ReadInteger(key, ref reader, name, 1, LockMetadata.CurrentFormatVersion,
                        $"a format version this library understands (1..{LockMetadata.CurrentFormatVersion})");
                    break;
                case "lockId":
                    lockId = ReadString(key, ref reader, name);
                    break;
                case "ownerId":
                    ownerId = ReadString(key, ref reader, name);
                    break;
                case "hostname":
                    hostname = ReadString(key, ref reader, name);
                    break;
                case "pid":
                    pid = (int)ReadInteger(key, ref reader, name, 0, int.MaxValue, "a process id (0..2147483647)");
                    break;
                case "createdAt":
                    createdAt = ReadTimestamp(key, ref reader, name);
                    break;
                case "heartbeatAt":
                    heartbeatAt = ReadTimestamp(key, ref reader, name);
                    break;
                case "ttlMs":
                    ttlMs = ReadInteger(key, ref reader, name, 0, (long)SidecarLimits.MaxTtl.TotalMilliseconds,
                        $"a TTL in milliseconds (0..{(long)SidecarLimits.MaxTtl.TotalMilliseconds}, at most {SidecarLimits.MaxTtl.TotalDays:0} days)");
                    break;
                case "fencingToken":
                    fencingToken = ReadInteger(key, ref reader, name, 0, long.MaxValue, "a fencing token (0..9223372036854775807)");
                    break;
                case "ttl":
                    c2foTtl = ReadInteger(key, ref reader, name, long.MinValue, long.MaxValue, "a c2fo/vfs TTL in nanoseconds (a 64-bit integer)");
                    break;
                default:
                    reader.Skip(); // unknown fields are tolerated, within the depth limit
                    break;
            }
        }

        if (reader.Read())
        {
            throw new CorruptSidecarException(key, "it holds more than one JSON value");
        }

        if (version is null && c2foTtl is { } nanoseconds)
        {
            if (lockId is not null || ttlMs is not null || heartbeatAt is not null || fencingToken is not null)
            {
                throw new CorruptSidecarException(key, "it mixes c2fo/vfs fields with this library's (lockId, ttlMs, heartbeatAt, fencingToken) but has no format version 'v'");
            }

            return createdAt is { } c2foCreatedAt
                ? C2foSidecar.ToMetadata(key, c2foCreatedAt, nanoseconds, hostname, pid, ownerId)
                : throw new CorruptSidecarException(key, "the field 'createdAt' of a c2fo/vfs sidecar is missing");
        }

        if (version is null)
        {
            throw new CorruptSidecarException(key, "the format version field 'v' is missing");
        }

        if (string.IsNullOrWhiteSpace(lockId))
        {
            throw new CorruptSidecarException(key, "the lock id is missing");
        }

        if (ttlMs is null || createdAt is null)
        {
            throw new CorruptSidecarException(key, "ttlMs or createdAt is missing");
        }

        return new LockMetadata(
            lockId,
            ownerId ?? string.Empty,
            hostname ?? string.Empty,
            pid ?? 0,
            createdAt.Value,
            heartbeatAt ?? createdAt.Value,
            TimeSpan.FromMilliseconds(ttlMs.Value),
            fencingToken ?? 0);
    }

    private static long ReadInteger(SidecarKey key, ref Utf8JsonReader reader, string name, long min, long max, string expected)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < min || value > max)
        {
            throw new CorruptSidecarException(key, $"the field '{name}' is not {expected}");
        }

        return value;
    }

    private static string ReadString(SidecarKey key, ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new CorruptSidecarException(key, $"the field '{name}' is not a string");
        }

        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // An escaped lone surrogate ("\ud800") is valid JSON but not a valid string.
            throw new CorruptSidecarException(key, $"the field '{name}' is not a valid Unicode string", e);
        }
    }

    private static DateTimeOffset ReadTimestamp(SidecarKey key, ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.String
            || !reader.TryGetDateTimeOffset(out var value)
            || value < SidecarLimits.EarliestTimestamp
            || value >= SidecarLimits.LatestTimestamp)
        {
            throw new CorruptSidecarException(
                key, $"the field '{name}' is not an ISO 8601 time between {SidecarLimits.EarliestTimestamp:yyyy-MM-dd} and {SidecarLimits.LatestTimestamp:yyyy-MM-dd}");
        }

        return value;
    }

    /// <summary>
    /// The TTL in whole milliseconds, rounded up: a positive TTL never becomes 0 (which means "never stale"), and other
    /// processes never judge the sidecar stale earlier than the holder's own TTL says.
    /// </summary>
    private static long TtlMillisecondsOf(TimeSpan ttl) =>
        (ttl.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;

    private static void Validate(LockMetadata metadata)
    {
        if (string.IsNullOrWhiteSpace(metadata.LockId))
        {
            throw new ArgumentException("The lock id must not be empty.", nameof(metadata));
        }

        if (metadata.Ttl < TimeSpan.Zero || metadata.Ttl > SidecarLimits.MaxTtl)
        {
            throw new ArgumentOutOfRangeException(nameof(metadata), metadata.Ttl, $"The TTL must lie between 0 and {SidecarLimits.MaxTtl.TotalDays:0} days.");
        }

        if (metadata.ProcessId < 0 || metadata.FencingToken < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(metadata), "The process id and the fencing token must not be negative.");
        }

        foreach (var time in (ReadOnlySpan<DateTimeOffset>)[metadata.CreatedAt, metadata.HeartbeatAt])
        {
            if (time < SidecarLimits.EarliestTimestamp || time >= SidecarLimits.LatestTimestamp)
            {
                throw new ArgumentOutOfRangeException(nameof(metadata), time, "Sidecar times must lie between 1970-01-01 and 9000-01-01.");
            }
        }
    }

    private static string Shorten(string name)
    {
        var printable = new StringBuilder(Math.Min(name.Length, MaxNameInMessage));
        foreach (var c in name.Length > MaxNameInMessage ? name[..MaxNameInMessage] : name)
        {
            printable.Append(char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
        }

        return name.Length > MaxNameInMessage ? printable.Append('…').ToString() : printable.ToString();
    }
}

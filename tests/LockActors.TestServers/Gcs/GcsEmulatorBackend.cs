using System.Security.Cryptography;

namespace LockActors.TestServers.Gcs;

/// <summary>One stored object generation, immutable once published.</summary>
internal sealed record EmulatedObject(
    string Bucket,
    string Name,
    byte[] Content,
    string ContentType,
    long Generation,
    long Metageneration,
    DateTimeOffset TimeCreated,
    DateTimeOffset Updated,
    IReadOnlyDictionary<string, string> Metadata)
{
    public string Md5Base64 { get; } = Convert.ToBase64String(MD5.HashData(Content));
}

/// <summary>A bucket as returned by the emulator.</summary>
internal sealed record EmulatedBucket(string Name, DateTimeOffset TimeCreated);

/// <summary>The preconditions of one request (<c>ifGenerationMatch</c> and friends).</summary>
internal readonly record struct Preconditions(long? IfGenerationMatch, long? IfGenerationNotMatch, long? IfMetagenerationMatch, long? IfMetagenerationNotMatch)
{
    public bool Any => IfGenerationMatch is not null || IfGenerationNotMatch is not null || IfMetagenerationMatch is not null || IfMetagenerationNotMatch is not null;

    /// <summary>
    /// Evaluates against the live object (null when absent), following the documented semantics:
    /// ifGenerationMatch=0 = "no live object"; ifGenerationNotMatch fails when no live object exists (0 = "must exist");
    /// ifMetagenerationMatch against an absent object holds only for 0; ifMetagenerationNotMatch holds for an absent object.
    /// </summary>
    public bool HoldFor(EmulatedObject? current)
    {
        if (IfGenerationMatch is { } gm && (current is null ? gm != 0 : current.Generation != gm))
        {
            return false;
        }

        if (IfGenerationNotMatch is { } gn && (current is null || current.Generation == gn))
        {
            return false;
        }

        if (IfMetagenerationMatch is { } mm && (current is null ? mm != 0 : current.Metageneration != mm))
        {
            return false;
        }

        return IfMetagenerationNotMatch is not { } mn || current is null || current.Metageneration != mn;
    }
}

/// <summary>Outcome of one emulated operation, mapped to HTTP by the endpoints.</summary>
internal enum EmulatorOutcome
{
    Ok,
    NoSuchBucket,
    NoSuchObject,
    ConditionNotMet,
    Conflict,
}

/// <summary>
/// The emulator's state and semantics, independent of HTTP. Every operation runs under one lock, so each
/// check-and-set is atomic; generations come from one counter that never goes backwards, so they strictly grow
/// per object name, also across delete and re-create (like GCS, they look like microsecond timestamps).
/// </summary>
internal sealed class GcsEmulatorBackend(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, EmulatedBucket> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Bucket, string Name), EmulatedObject> _objects = new();
    private long _lastGeneration;

    public TimeProvider Clock => clock;

    public (EmulatorOutcome, EmulatedBucket?) CreateBucket(string name)
    {
        lock (_gate)
        {
            if (_buckets.ContainsKey(name))
            {
                return (EmulatorOutcome.Conflict, null);
            }

            var bucket = new EmulatedBucket(name, clock.GetUtcNow());
            _buckets.Add(name, bucket);
            return (EmulatorOutcome.Ok, bucket);
        }
    }

    public EmulatedBucket? GetBucket(string name)
    {
        lock (_gate)
        {
            return _buckets.GetValueOrDefault(name);
        }
    }

    public (EmulatorOutcome, EmulatedObject?) Get(string bucket, string name, long? generation, Preconditions preconditions)
    {
        lock (_gate)
        {
            if (!_buckets.ContainsKey(bucket))
            {
                return (EmulatorOutcome.NoSuchBucket, null);
            }

            // No versioning: only the live generation exists; asking for any other is "no such object".
            if (!_objects.TryGetValue((bucket, name), out var current) || (generation is { } g && g != current.Generation))
            {
                return (EmulatorOutcome.NoSuchObject, null);
            }

            return preconditions.HoldFor(current) ? (EmulatorOutcome.Ok, current) : (EmulatorOutcome.ConditionNotMet, current);
        }
    }

    public (EmulatorOutcome, EmulatedObject?) Put(string bucket, string name, byte[] content, string contentType, IReadOnlyDictionary<string, string>? metadata, Preconditions preconditions)
    {
        lock (_gate)
        {
            if (!_buckets.ContainsKey(bucket))
            {
                return (EmulatorOutcome.NoSuchBucket, null);
            }

            _objects.TryGetValue((bucket, name), out var current);
            if (!preconditions.HoldFor(current))
            {
                return (EmulatorOutcome.ConditionNotMet, current);
            }

            var now = clock.GetUtcNow();
            var written = new EmulatedObject(bucket, name, content, contentType, NextGeneration(now), 1, now, now,
                metadata ?? new Dictionary<string, string>());
            _objects[(bucket, name)] = written;
            return (EmulatorOutcome.Ok, written);
        }
    }

    public (EmulatorOutcome, EmulatedObject?) Patch(string bucket, string name, IReadOnlyDictionary<string, string?> metadata, Preconditions preconditions)
    {
        lock (_gate)
        {
            var (outcome, current) = Get(bucket, name, null, preconditions);
            if (outcome != EmulatorOutcome.Ok)
            {
                return (outcome, current);
            }

            var merged = new Dictionary<string, string>(current!.Metadata);
            foreach (var (k, v) in metadata)
            {
                if (v is null)
                {
                    merged.Remove(k);
                }
                else
                {
                    merged[k] = v;
                }
            }

            var patched = current with { Metageneration = current.Metageneration + 1, Updated = clock.GetUtcNow(), Metadata = merged };
            _objects[(bucket, name)] = patched;
            return (EmulatorOutcome.Ok, patched);
        }
    }

    public (EmulatorOutcome, EmulatedObject?) Delete(string bucket, string name, long? generation, Preconditions preconditions)
    {
        lock (_gate)
        {
            var (outcome, current) = Get(bucket, name, generation, preconditions);
            if (outcome == EmulatorOutcome.Ok)
            {
                _objects.Remove((bucket, name));
            }

            return (outcome, current);
        }
    }

    public (EmulatorOutcome, IReadOnlyList<EmulatedObject>) List(string bucket, string prefix)
    {
        lock (_gate)
        {
            if (!_buckets.ContainsKey(bucket))
            {
                return (EmulatorOutcome.NoSuchBucket, []);
            }

            return (EmulatorOutcome.Ok, _objects.Values
                .Where(o => o.Bucket == bucket && o.Name.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(o => o.Name, StringComparer.Ordinal)
                .ToArray());
        }
    }

    private long NextGeneration(DateTimeOffset now)
    {
        var micros = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        _lastGeneration = Math.Max(_lastGeneration + 1, micros);
        return _lastGeneration;
    }
}

using System.Diagnostics;
using Akka.Actor;
using BenchmarkDotNet.Attributes;
using LockActors.Actors;
using LockActors.Messages;
using LockActors.Storage;

namespace LockActors.Benchmarks.Micro;

/// <summary>The id of one grant (<c>&lt;instance&gt;-&lt;32 hex&gt;</c>), as <see cref="TargetLockActor"/> makes it for every grant.</summary>
[MemoryDiagnoser]
public class LockIdBenchmarks
{
    private const string Instance = "0123abcd";

    [Benchmark]
    public string NewLockId() => LockIds.New(Instance);
}

/// <summary>
/// The per-grant objects and work of a hand-off, one at a time: the metadata, its JSON sidecar, the lease (with what
/// fires <see cref="LockLease.Lost"/>), the grant record, and the copies made when the store confirms it and it is handed out.
/// </summary>
[MemoryDiagnoser]
public class GrantBenchmarks
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly long LeaseTicks = (long)(TimeSpan.FromSeconds(25).TotalSeconds * Stopwatch.Frequency);
    private readonly LockMetadata _metadata = new("0123abcd-" + Guid.NewGuid().ToString("N"), "owner-1", Environment.MachineName,
        Environment.ProcessId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, Ttl, 42);

    /// <summary>The JSON sidecar of a grant, as written by its create, hand-over or renewal.</summary>
    [Benchmark]
    public byte[] EncodeSidecar() => LockMetadataCodec.Encode(_metadata);

    /// <summary>A lease that is made and then released (the common case: released before its deadline).</summary>
    [Benchmark]
    public bool LeaseMadeAndReleased()
    {
        var lease = new LockLease(Stopwatch.GetTimestamp() + LeaseTicks);
        var held = lease.CheckLease();
        lease.EndReleased();
        return held;
    }

    /// <summary>Everything a grant costs the actor: id, metadata, sidecar JSON, lease, grant, the confirmed and held copies, release.</summary>
    [Benchmark]
    public long WholeGrant()
    {
        var now = DateTimeOffset.UtcNow;
        var metadata = new LockMetadata(LockIds.New("0123abcd"), "owner-1", _metadata.Hostname, _metadata.ProcessId, now, now, Ttl, 43);
        var sentAt = Stopwatch.GetTimestamp();
        var grant = TargetLockActor.Grant.New(metadata, ActorRefs.Nobody, sentAt + LeaseTicks, sentAt, TimeSpan.FromSeconds(10));
        var held = TargetLockActor.Holding(grant, new SidecarVersion("1"), TargetLockActor.CreatedMetadata(grant)); // as the actor's Granted
        held.Lease.EndReleased();
        return held.Token;
    }
}

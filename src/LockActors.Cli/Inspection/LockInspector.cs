using LockActors.Actors;
using LockActors.Configuration;

namespace LockActors.Cli.Inspection;

/// <summary>Reads sidecars and judges them with the actors' own rules (<see cref="Staleness"/>, <see cref="ReleasedTombstone"/>).</summary>
internal sealed class LockInspector(LockActorsSettings settings, LockStoreRegistry stores)
{
    /// <summary>The store serving <paramref name="scheme"/>.</summary>
    public ILockStore StoreFor(string scheme) => stores.Resolve(scheme);

    /// <summary>Reads and judges <paramref name="target"/>'s sidecar.</summary>
    public async Task<LockState> InspectAsync(LockTarget target, CancellationToken cancellationToken)
    {
        var store = stores.Resolve(target);
        var snapshot = await store.ReadAsync(target.Sidecar, cancellationToken).ConfigureAwait(false);
        return Judge(target, snapshot, store.Capabilities);
    }

    /// <summary>Every sidecar under <paramref name="prefix"/>, read and judged, in path order (gone ones left out).</summary>
    /// <exception cref="CliFailure">The prefix's store cannot list.</exception>
    public async Task<IReadOnlyList<LockState>> InspectAllAsync(LockPrefix prefix, CancellationToken cancellationToken)
    {
        var store = stores.Resolve(prefix.Scheme);
        if (store is not ILockStoreListing listing)
        {
            throw new CliFailure(ExitCodes.Error, $"the {prefix.Scheme}:// store ({store.GetType().Name}) cannot list sidecars");
        }

        var states = new List<LockState>();
        await foreach (var key in listing.ListSidecarsAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var state = await InspectOrCorruptAsync(key.Target, cancellationToken).ConfigureAwait(false);
            if (state.Snapshot is not null)
            {
                states.Add(state);
            }
        }

        return states.OrderBy(s => s.Target.Path, StringComparer.Ordinal).ToArray();
    }

    // In a listing, one special file must not hide the others: it is shown as corrupt.
    private async Task<LockState> InspectOrCorruptAsync(LockTarget target, CancellationToken cancellationToken)
    {
        try
        {
            return await InspectAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (SidecarNotRegularFileException e)
        {
            var now = DateTimeOffset.UtcNow;
            return new LockState(target, new SidecarSnapshot(ReadOnlyMemory<byte>.Empty, new SidecarVersion("-"), now, now), null, false, $"not a regular file but {e.Kind}", settings.DefaultTtl, null);
        }
    }

    private LockState Judge(LockTarget target, SidecarSnapshot? snapshot, StoreCapabilities capabilities)
    {
        if (snapshot is null)
        {
            return new LockState(target, null, null, false, null, TimeSpan.Zero, null);
        }

        LockMetadata? holder = null;
        string? corruption = null;
        try
        {
            holder = LockMetadataCodec.Decode(target.Sidecar, snapshot.Content.Span);
        }
        catch (CorruptSidecarException e)
        {
            corruption = e.Reason;
        }

        var ttl = Staleness.TtlOf(holder, settings.DefaultTtl);
        return new LockState(
            target,
            snapshot,
            holder,
            holder?.LockId == ReleasedTombstone.LockId,
            corruption,
            ttl,
            Staleness.StaleAfter(ttl, capabilities.ClockResolution, settings.StaleGrace));
    }
}

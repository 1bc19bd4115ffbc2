using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace LockActors.Sftp;

/// <summary>
/// The compare-and-swap guard <c>&lt;sidecar&gt;.cas</c> (SFTP has no compare-and-swap): a replace or delete first
/// creates this empty file with CREAT|EXCL (exactly one writer wins), holds it only for its check-and-write, and
/// removes it. A guard abandoned by a crashed writer is broken once stale (see <see cref="AcquireAsync"/>).
/// </summary>
internal sealed class SftpCasGuard(SftpStoreSettings settings, TimeProvider time)
{
    private long _broken;

    /// <summary>Abandoned guards broken so far.</summary>
    public long Broken => Interlocked.Read(ref _broken);

    /// <summary>
    /// Takes the guard of <paramref name="session"/>'s sidecar, breaking it when abandoned, within
    /// <see cref="SftpStoreSettings.CheckAndWriteTimeout"/>; <see cref="StoreUnavailableException"/> when another writer
    /// keeps it longer.
    /// </summary>
    public async Task<SftpHeldGuard> AcquireAsync(SftpSession session)
    {
        var path = session.Names.Guard;
        var waitStart = time.GetTimestamp();
        var delay = 1;
        while (true)
        {
            var started = time.GetTimestamp();

            // The sidecar's LSTAT travels with the guard's OPEN (one round trip). It tells the sidecar's kind and
            // presence, so that the guarded read never opens a special file. On a server that handles requests in order
            // (OpenSSH) it was handled after the guard existed, so its size and mtime are those under the guard and the
            // read needs no FSTAT. Elsewhere the read takes them through its own handle, and the LSTAT cannot mislead:
            // a sidecar that was absent or not a regular file before the guard cannot have carried the expected version.
            var opening = session.TryOpenExclusiveAsync(path);
            var sidecar = session.StatAsync(session.Names.Sidecar);
            byte[]? guard;
            try
            {
                guard = await opening.ConfigureAwait(false);
            }
            finally
            {
                await Observed(sidecar).ConfigureAwait(false);
            }

            if (guard is null)
            {
                if (await session.StatAsync(path).ConfigureAwait(false) is { } held && await IsAbandonedAsync(session, held).ConfigureAwait(false))
                {
                    await TryBreakAsync(session, held).ConfigureAwait(false);
                    continue;
                }

                if (time.GetElapsedTime(waitStart) > settings.CheckAndWriteTimeout)
                {
                    throw new StoreUnavailableException(
                        $"Another writer held the guard '{path}' for more than {settings.CheckAndWriteTimeout.TotalSeconds:0.#} s.");
                }

                await Task.Delay(delay + Random.Shared.Next(delay), session.Token).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 50);
                continue;
            }

            var closing = session.CloseAsync(guard); // overlaps the sidecar read
            return new SftpHeldGuard(session, settings.GuardHoldBudget, time, started, closing, await sidecar.ConfigureAwait(false));
        }
    }

    /// <summary>Waits for a pipelined request whose outcome may be dropped; a failure surfaces when its result is used.</summary>
    private static async Task Observed(Task request)
    {
        try
        {
            await request.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
        }
    }

    /// <summary>Older (server clock) than <see cref="SftpStoreSettings.GuardStaleAfter"/> + 1 s + the clock estimate's uncertainty.</summary>
    private async Task<bool> IsAbandonedAsync(SftpSession session, SftpFileAttributes file)
    {
        await session.EnsureClockAsync().ConfigureAwait(false);
        var age = session.Clock.Now - SftpFileVersion.MtimeOf(file);
        return age > settings.GuardStaleAfter + TimeSpan.FromSeconds(1) + session.Clock.Uncertainty;
    }

    /// <summary>
    /// Breaks the abandoned guard that was judged stale with mtime M. Its breakers first race to create the token
    /// <c>.&lt;sidecar&gt;.cas.&lt;M&gt;.break</c> with CREAT|EXCL; only the winner re-checks, holding the token, that
    /// the guard still has mtime M, and removes it. Nobody else removes a guard once it is abandoned (its owner is
    /// past its budget, other breakers lack the token, creators only act when it is absent), so this
    /// check-then-remove cannot hit a fresh guard. Renaming the guard away first would not do: a breaker acting on
    /// an old observation could take a live guard and fail to put it back.
    /// </summary>
    private async Task TryBreakAsync(SftpSession session, SftpFileAttributes judged)
    {
        var guard = session.Names.Guard;
        var mtime = SftpFileVersion.MtimeOf(judged);
        var token = session.Names.BreakToken(mtime);
        var started = time.GetTimestamp();
        if (await session.TryOpenExclusiveAsync(token).ConfigureAwait(false) is not { } tokenHandle)
        {
            // Another breaker is on it; a token left by a breaker that crashed is abandoned after the same time.
            if (await session.StatAsync(token).ConfigureAwait(false) is { } held && await IsAbandonedAsync(session, held).ConfigureAwait(false))
            {
                await session.TryRemoveAsync(token).ConfigureAwait(false);
            }

            return;
        }

        await session.CloseAsync(tokenHandle).ConfigureAwait(false);
        var withinBudget = true;
        try
        {
            var current = await session.StatAsync(guard).ConfigureAwait(false);
            withinBudget = time.GetElapsedTime(started) <= settings.GuardHoldBudget;
            if (current is not null && SftpFileVersion.MtimeOf(current) == mtime && withinBudget && await session.TryRemoveAsync(guard).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _broken);
            }
        }
        finally
        {
            if (withinBudget && time.GetElapsedTime(started) <= settings.GuardHoldBudget)
            {
                await session.TryRemoveAsync(token).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>
/// A held guard: enforces the hold budget (half of <see cref="SftpStoreSettings.GuardStaleAfter"/>) and removes the
/// guard only while it cannot have been broken.
/// </summary>
internal sealed class SftpHeldGuard(SftpSession session, TimeSpan holdBudget, TimeProvider time, long acquiredAt, Task closing, SftpFileAttributes? sidecar)
{
    private TimeSpan Held => time.GetElapsedTime(acquiredAt);

    /// <summary>The sidecar's LSTAT, sent with the guard's OPEN: null when it was absent.</summary>
    public SftpFileAttributes? Sidecar => sidecar;

    /// <summary>Throws (nothing written) when the guard has been held so long that it might be broken soon.</summary>
    public void EnsureWithinBudget()
    {
        if (Held > holdBudget)
        {
            throw new StoreUnavailableException(
                $"The check-and-write on '{session.Names.Sidecar}' took {Held.TotalSeconds:0.#} s, longer than its {holdBudget.TotalSeconds:0.#} s budget; nothing was written.");
        }
    }

    /// <summary>
    /// Removes the guard unless it was held past its budget (then it may already be broken and re-taken, and is left to
    /// the breakers). The REMOVE is sent at once, so a caller on a server that handles requests in order
    /// (<see cref="SftpWire.ProcessesInOrder"/>) can release right after sending its commit, in the same round trip. A
    /// connection lost on the way is replaced to remove it, while that is still within budget.
    /// </summary>
    public async Task ReleaseAsync()
    {
        var removing = Held > holdBudget ? Task.CompletedTask : RemoveAsync(); // past it: may be broken and re-taken, leave it
        await session.DrainDeferredClosesAsync().ConfigureAwait(false);
        try
        {
            await closing.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or ObjectDisposedException or TimeoutException)
        {
            // The handle dies with the connection; the guard file itself is what matters.
        }

        await removing.ConfigureAwait(false);
    }

    private async Task RemoveAsync()
    {
        try
        {
            await session.TryRemoveAsync(session.Names.Guard).ConfigureAwait(false);
        }
        catch (Exception e) when (SftpWire.IsConnectionFailure(e) && !session.Token.IsCancellationRequested)
        {
            // Connection lost mid-operation: free the guard over a fresh connection while that is still safe.
            try
            {
                var fresh = await session.ReconnectAsync().ConfigureAwait(false);
                if (Held <= holdBudget)
                {
                    await fresh.TryRemoveQuietlyAsync(session.Names.Guard).ConfigureAwait(false);
                }
            }
            catch (LockStoreException)
            {
                // Unreachable: the guard becomes abandoned and is broken after GuardStaleAfter.
            }
        }
    }
}

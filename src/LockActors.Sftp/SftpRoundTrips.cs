namespace LockActors.Sftp;

/// <summary>
/// Sequential round trips of a store's operations: a request sent while none of the same operation awaits its answer
/// starts one; requests sent together (pipelined) share it. For tests and diagnostics.
/// </summary>
internal sealed class SftpRoundTrips
{
    private long _total;

    /// <summary>Round trips so far.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one.</summary>
    public void Record() => Interlocked.Increment(ref _total);
}

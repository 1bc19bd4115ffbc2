namespace LockActors.Sftp;

/// <summary>
/// Counts the SFTP requests an <see cref="SftpLockStore"/> puts on the wire (operations, the server probe and
/// unknown-outcome re-reads alike); each is one round trip unless pipelined. Thread-safe; for tests, benchmarks and
/// diagnostics.
/// </summary>
internal sealed class SftpRequestCounter
{
    private long _total;

    /// <summary>Every request sent so far.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one request.</summary>
    public void Record() => Interlocked.Increment(ref _total);
}

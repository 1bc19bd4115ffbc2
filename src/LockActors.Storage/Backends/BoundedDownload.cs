namespace LockActors.Storage.Backends;

/// <summary>Reads a sidecar body from the network without trusting its declared length.</summary>
internal static class BoundedDownload
{
    /// <summary>
    /// At most <see cref="SidecarLimits.MaxBytes"/> + 1 bytes of <paramref name="body"/>: enough for the codec to refuse an
    /// oversized sidecar, whose version still allows a compare-and-swap takeover. The rest of a huge body is never read.
    /// </summary>
    public static async Task<byte[]> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[SidecarLimits.MaxBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
        {
            read += n;
        }

        return buffer[..read];
    }
}

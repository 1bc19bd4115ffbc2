using Renci.SshNet;
using Renci.SshNet.Common;

namespace LockActors.Sftp;

/// <summary>The directory walk behind <see cref="SftpLockStore.ListSidecarsAsync"/>.</summary>
internal static class SftpListing
{
    /// <summary>Every regular <c>*.lock</c> file under <paramref name="prefix"/>, by path; a missing folder lists nothing.</summary>
    public static async Task<IReadOnlyList<SidecarKey>> SidecarsAsync(SftpClient client, LockPrefix prefix, CancellationToken cancellationToken)
    {
        var found = new List<SidecarKey>();
        var folders = new Queue<string>([prefix.Folder.Length > 1 ? prefix.Folder.TrimEnd('/') : "/"]);
        while (folders.TryDequeue(out var folder))
        {
            try
            {
                await foreach (var entry in client.ListDirectoryAsync(folder, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.Name is "." or "..")
                    {
                        continue;
                    }

                    var path = folder.TrimEnd('/') + "/" + entry.Name;
                    if (entry.IsDirectory && !entry.IsSymbolicLink && MayHoldMatches(path + "/", prefix.Path))
                    {
                        folders.Enqueue(path);
                    }
                    else if (entry.IsRegularFile && prefix.SidecarAt(path) is { } key)
                    {
                        found.Add(key);
                    }
                }
            }
            catch (SftpPathNotFoundException)
            {
                // A folder that does not exist (or vanished during the walk) holds no sidecars.
            }
        }

        found.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return found;
    }

    private static bool MayHoldMatches(string folder, string prefix) =>
        folder.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(folder, StringComparison.Ordinal);
}

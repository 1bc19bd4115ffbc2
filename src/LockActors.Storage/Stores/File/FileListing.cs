namespace LockActors.Storage.Stores.File;

/// <summary>The directory walk behind <see cref="FileLockStore.ListSidecarsAsync"/>.</summary>
internal static class FileListing
{
    // Symbolic links are reparse points on .NET: skipping them means a linked folder is never walked and a linked
    // sidecar never named (the store refuses to read through a link anyway).
    private static readonly EnumerationOptions Walk = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Device,
        MatchType = MatchType.Simple,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Every regular <c>*.lock</c> file under <paramref name="prefix"/> (and under <paramref name="root"/> when set), by path.</summary>
    public static IReadOnlyList<SidecarKey> Sidecars(LockPrefix prefix, string? root)
    {
        var folder = prefix.Folder;
        if (!Directory.Exists(folder))
        {
            return [];
        }

        try
        {
            return new DirectoryInfo(folder)
                .EnumerateFiles("*" + SidecarLimits.Suffix, Walk)
                .Select(file => file.FullName)
                .Where(IsRegular)
                .Where(path => root is null || path.StartsWith(root, StringComparison.Ordinal))
                .Select(prefix.SidecarAt)
                .OfType<SidecarKey>()
                .OrderBy(key => key.Path, StringComparer.Ordinal)
                .ToArray();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StoreAccessDeniedException($"Listing '{prefix}' was denied: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new StoreUnavailableException($"File-system error while listing '{prefix}': {e.Message}", e);
        }
    }

    // FIFOs, sockets and devices are not reparse points on .NET: lstat tells them apart.
    private static bool IsRegular(string path) => FileWire.StatAt(path, out _) is { Kind: UnixFileKind.Regular };
}

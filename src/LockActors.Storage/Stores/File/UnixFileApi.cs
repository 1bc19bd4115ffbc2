using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LockActors.Storage.Stores.File;

/// <summary>
/// The few POSIX calls .NET does not expose: <c>link</c> (atomic create-if-absent of a fully written file),
/// <c>flock</c> on a raw descriptor, and the inode number. Files are opened with raw <c>open</c> because
/// .NET's <see cref="FileStream"/> takes its own <c>flock(LOCK_SH|LOCK_NB)</c> on every read-only open,
/// which would make plain readers fail while a writer holds the exclusive check-and-write lock.
/// </summary>
internal static partial class UnixFileApi
{
    private const int OReadOnly = 0;
    private const int OCloseOnExec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int StatBufferBytes = 256;

    internal const int EExist = 17;
    internal const int ENoEnt = 2;
    internal const int EAccess = 13;
    internal const int EWouldBlock = 11;
    internal const int ENotDir = 20;

    /// <summary>Opens <paramref name="path"/> read-only without any advisory lock; null when it does not exist.</summary>
    internal static SafeFileHandle? OpenExisting(string path, out int errno)
    {
        var fd = Open(path, OReadOnly | OCloseOnExec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Tries to take an exclusive advisory lock without waiting; released when the handle closes.</summary>
    internal static bool TryLockExclusive(SafeFileHandle handle)
    {
        var rc = Flock((int)handle.DangerousGetHandle(), LockExclusive | LockNonBlocking);
        if (rc == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EWouldBlock ? false : throw new IOException($"flock failed with errno {errno}");
    }

    /// <summary>Creates <paramref name="newPath"/> as a second name of <paramref name="existing"/>; fails with EEXIST if it exists.</summary>
    internal static int Link(string existing, string newPath) =>
        LinkNative(existing, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The inode number behind an open descriptor.</summary>
    internal static unsafe ulong InodeOf(SafeFileHandle handle)
    {
        var buffer = stackalloc byte[StatBufferBytes];
        if (FStat((int)handle.DangerousGetHandle(), buffer) != 0)
        {
            throw new IOException($"fstat failed with errno {Marshal.GetLastPInvokeError()}");
        }

        return InodeField(buffer);
    }

    /// <summary>The inode number currently at <paramref name="path"/>, or null when nothing is there.</summary>
    internal static unsafe ulong? InodeAt(string path)
    {
        var buffer = stackalloc byte[StatBufferBytes];
        if (Stat(path, buffer) == 0)
        {
            return InodeField(buffer);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ENoEnt or ENotDir ? null : throw new IOException($"stat failed with errno {errno}");
    }

    // st_ino is the second 8-byte field of struct stat on both x86_64 and aarch64 Linux.
    private static unsafe ulong InodeField(byte* statBuffer) => *(ulong*)(statBuffer + 8);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int FStat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* buffer);
}

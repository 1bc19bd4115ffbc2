using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LockActors.Storage.Stores.File;

/// <summary>What a path or descriptor names, from <c>st_mode &amp; S_IFMT</c>.</summary>
internal enum UnixFileKind
{
    Other,
    Regular,
    Directory,
    CharacterDevice,
    BlockDevice,
    Fifo,
    SymbolicLink,
    Socket,
}

/// <summary>What one fstat(2) says about an open file; <paramref name="ModifiedNs"/> is st_mtim in nanoseconds since the epoch,
/// as the kernel has it (not through any interposed libc, so it is for versions only, never for clock comparisons).</summary>
internal readonly record struct FileStat(ulong Inode, UnixFileKind Kind, long Size, long ModifiedNs);

/// <summary>
/// The few POSIX calls .NET does not expose: <c>open</c> with <c>O_NOFOLLOW | O_NONBLOCK</c>, <c>link</c> (atomic
/// create-if-absent of a fully written file), <c>flock</c> on a raw descriptor, <c>rename</c>/<c>unlink</c> with their
/// errno, and <c>fstat</c>/<c>lstat</c> for the inode and the file kind. Files are opened with raw <c>open</c> because
/// .NET's <see cref="FileStream"/> takes its own <c>flock(LOCK_SH|LOCK_NB)</c> on every read-only open, which would
/// make plain readers fail while a writer holds the exclusive check-and-write lock, and because it follows symbolic
/// links and blocks on FIFOs.
/// </summary>
/// <remarks>Linux on x86-64 and AArch64 only: the flag values and the <c>struct stat</c> offsets below are theirs.</remarks>
internal static partial class FileWire
{
    internal const int EPerm = 1;
    internal const int ENoEnt = 2;
    internal const int EIntr = 4;
    internal const int ENxio = 6;
    internal const int EInval = 22;
    internal const int EOpNotSupp = 95;
    internal const int EWouldBlock = 11;
    internal const int EAccess = 13;
    internal const int EExist = 17;
    internal const int ENotDir = 20;
    internal const int EIsDir = 21;
    internal const int ERofs = 30;
    internal const int ENameTooLong = 36;
    internal const int ELoop = 40;

    private const int OReadOnly = 0;
    private const int OWriteOnly = 1;
    private const int OCreate = 0x40;
    private const int OExclusive = 0x80;
    private const int CreateMode = 0x1B6; // 0666 before the umask, as .NET creates files

    // st_size sits at the same offset on x86-64 and AArch64 (asm-generic).
    private const int SizeOffset = 48;

    // st_mtim (tv_sec, tv_nsec) sits at the same offsets on x86-64 and AArch64 (asm-generic).
    private const int ModifiedSecondsOffset = 88;
    private const int ModifiedNanosecondsOffset = 96;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloseOnExec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int StatBufferBytes = 256;
    private const uint FileTypeMask = 0xF000;

    /// <summary>True where the constants and struct offsets in this class are right.</summary>
    internal static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkFollow = 0x400;

    // O_NOFOLLOW is 0400000 on x86-64 but 0100000 on AArch64 (asm-generic vs arm64 fcntl.h).
    private static int ONoFollow => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    // O_TMPFILE = __O_TMPFILE (020000000 on both) | O_DIRECTORY (0200000 on x86-64, 040000 on AArch64).
    private static int OTmpFile => 0x400000 | (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000);

    // st_mode follows st_nlink (8 bytes) on x86-64 but precedes a 4-byte st_nlink on AArch64; st_ino is at 8 on both.
    private static int ModeOffset => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 16 : 24;

    /// <summary>
    /// Opens <paramref name="path"/> read-only without any advisory lock, without following a symbolic link in its
    /// last component (ELOOP), without blocking on a FIFO and without acquiring a controlling terminal.
    /// Null with <paramref name="errno"/> on failure.
    /// </summary>
    internal static SafeFileHandle? OpenExisting(string path, out int errno)
    {
        var fd = Open(path, OReadOnly | OCloseOnExec | ONoFollow | ONonBlock | ONoCtty);
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

    /// <summary>Creates <paramref name="newPath"/> as a second name of <paramref name="existing"/>; fails with EEXIST if
    /// anything (even a dangling symbolic link) has that name. Returns 0 or the errno.</summary>
    internal static int Link(string existing, string newPath) =>
        LinkNative(existing, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary><c>rename(2)</c>: atomically replaces the name <paramref name="newPath"/>. Returns 0 or the errno.</summary>
    internal static int Rename(string oldPath, string newPath) =>
        RenameNative(oldPath, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary><c>unlink(2)</c>: removes the name (never what a symbolic link points to). Returns 0 or the errno.</summary>
    internal static int Unlink(string path) =>
        UnlinkNative(path) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>
    /// Creates <paramref name="path"/> for writing, failing with EEXIST if anything has that name (O_CREAT | O_EXCL, which
    /// never follows a symbolic link), mode 0666 before the umask (as .NET creates files). Null with <paramref name="errno"/> on failure.
    /// </summary>
    internal static SafeFileHandle? CreateExclusive(string path, out int errno)
    {
        var fd = OpenWithMode(path, OWriteOnly | OCreate | OExclusive | OCloseOnExec | ONoCtty, CreateMode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Creates an unnamed regular file in <paramref name="directory"/> for writing (<c>O_TMPFILE</c>, mode 0666 before the
    /// umask): no name exists until <see cref="LinkOpen"/> gives it one, so nothing is left behind if the process dies
    /// first. Null with <paramref name="errno"/> on failure; EOPNOTSUPP (or EISDIR/EINVAL from kernels before 3.11)
    /// where the file system cannot.
    /// </summary>
    internal static SafeFileHandle? CreateUnnamed(string directory, out int errno)
    {
        var fd = OpenWithMode(directory, OWriteOnly | OTmpFile | OCloseOnExec, CreateMode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Gives the unnamed file behind <paramref name="handle"/> the name <paramref name="newPath"/>:
    /// <c>linkat</c> of <c>/proc/self/fd/N</c> with AT_SYMLINK_FOLLOW (no privilege needed, unlike AT_EMPTY_PATH).
    /// Fails with EEXIST if anything (even a dangling symbolic link) has that name, like <see cref="Link"/>; ENOENT
    /// when /proc is not mounted (or the directory went away). Returns 0 or the errno.
    /// </summary>
    internal static int LinkOpen(SafeFileHandle handle, string newPath) =>
        LinkAtNative(AtCurrentDirectory, "/proc/self/fd/" + ((int)handle.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture),
            AtCurrentDirectory, newPath, AtSymlinkFollow) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    /// <summary>Inode, kind and size behind an open descriptor: one fstat(2).</summary>
    internal static unsafe FileStat StatOf(SafeFileHandle handle)
    {
        var buffer = stackalloc byte[StatBufferBytes];
        if (FStat((int)handle.DangerousGetHandle(), buffer) != 0)
        {
            throw new IOException($"fstat failed with errno {Marshal.GetLastPInvokeError()}");
        }

        var modifiedNs = (*(long*)(buffer + ModifiedSecondsOffset) * 1_000_000_000) + *(long*)(buffer + ModifiedNanosecondsOffset);
        return new FileStat(InodeField(buffer), KindField(buffer), *(long*)(buffer + SizeOffset), modifiedNs);
    }

    /// <summary>
    /// One <c>pread(2)</c> (retried on EINTR): the bytes read, 0 at the end of the file. Raw, because .NET's
    /// <see cref="RandomAccess"/> adds an <c>lseek</c> per descriptor to learn whether it can seek.
    /// </summary>
    internal static unsafe int ReadAt(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = PRead((int)handle.DangerousGetHandle(), p, (nuint)buffer.Length, offset);
                if (n >= 0)
                {
                    return (int)n;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != EIntr)
                {
                    throw new IOException($"pread failed with errno {errno}", errno);
                }
            }
        }
    }

    /// <summary>Writes all of <paramref name="content"/> from offset 0 with <c>pwrite(2)</c> (short writes and EINTR retried).</summary>
    internal static unsafe void WriteAll(SafeFileHandle handle, ReadOnlySpan<byte> content)
    {
        fixed (byte* p = content)
        {
            var written = 0;
            while (written < content.Length)
            {
                var n = PWrite((int)handle.DangerousGetHandle(), p + written, (nuint)(content.Length - written), written);
                if (n >= 0)
                {
                    written += (int)n;
                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != EIntr)
                {
                    throw new IOException($"pwrite failed with errno {errno}", errno);
                }
            }
        }
    }

    /// <summary>The inode number and kind of the name <paramref name="path"/> itself (a symbolic link is not followed),
    /// or null when nothing is there; <paramref name="errno"/> is set on any other failure (and null returned).</summary>
    internal static unsafe (ulong Inode, UnixFileKind Kind)? StatAt(string path, out int errno)
    {
        var buffer = stackalloc byte[StatBufferBytes];
        if (LStat(path, buffer) == 0)
        {
            errno = 0;
            return (InodeField(buffer), KindField(buffer));
        }

        errno = Marshal.GetLastPInvokeError();
        return null;
    }

    private static unsafe ulong InodeField(byte* statBuffer) => *(ulong*)(statBuffer + 8);


    private static unsafe UnixFileKind KindField(byte* statBuffer) => (*(uint*)(statBuffer + ModeOffset) & FileTypeMask) switch
    {
        0x8000 => UnixFileKind.Regular,
        0x4000 => UnixFileKind.Directory,
        0x2000 => UnixFileKind.CharacterDevice,
        0x6000 => UnixFileKind.BlockDevice,
        0x1000 => UnixFileKind.Fifo,
        0xA000 => UnixFileKind.SymbolicLink,
        0xC000 => UnixFileKind.Socket,
        _ => UnixFileKind.Other,
    };

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenWithMode(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static unsafe partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkAtNative(int oldDirectory, string oldPath, int newDirectory, string newPath, int flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkNative(string path);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int FStat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* buffer);
}

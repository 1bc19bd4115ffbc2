using System.Diagnostics;
using System.Net.Sockets;

namespace LockActors.TestServers.Files;

/// <summary>A sidecar path that is not a regular file.</summary>
public enum SpecialFile
{
    Fifo,
    Directory,
    SymlinkToSidecarFile,
    DanglingSymlink,
    SymlinkToDevNull,
    CharacterDevice,
    Socket,
}

/// <summary>
/// Plants a <see cref="SpecialFile"/> at a path, as another process could have left it where a sidecar belongs.
/// Owns what must stay open for the planted name to exist (a bound Unix socket) until disposed.
/// </summary>
public sealed class SpecialFiles : IDisposable
{
    /// <summary>The file the <see cref="SpecialFile.SymlinkToSidecarFile"/> link points at, beside the planted name.</summary>
    public const string SymlinkTargetName = "elsewhere.lock";

    /// <summary>What that file holds: it must never be read as a sidecar nor changed through the link.</summary>
    public const string SymlinkTargetContent = "{\"not\":\"followed\"}";

    private readonly List<IDisposable> _cleanup = [];

    /// <summary>Every <see cref="SpecialFile"/>, one theory case each (<c>[MemberData(nameof(SpecialFiles.Kinds), MemberType = typeof(SpecialFiles))]</c>).</summary>
    public static IEnumerable<object[]> Kinds => Enum.GetValues<SpecialFile>().Select(kind => new object[] { kind });

    /// <summary>
    /// Creates <paramref name="kind"/> at <paramref name="path"/>; false when the tool it needs failed (mknod needs CAP_MKNOD).
    /// The symlinks point beside <paramref name="path"/>, into the test's own directory.
    /// </summary>
    public bool Plant(SpecialFile kind, string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        switch (kind)
        {
            case SpecialFile.Fifo:
                return Run("mkfifo", path);
            case SpecialFile.Directory:
                Directory.CreateDirectory(path);
                return true;
            case SpecialFile.SymlinkToSidecarFile:
                var real = Path.Combine(directory, SymlinkTargetName);
                File.WriteAllText(real, SymlinkTargetContent);
                File.CreateSymbolicLink(path, real);
                return true;
            case SpecialFile.DanglingSymlink:
                File.CreateSymbolicLink(path, Path.Combine(directory, "no-such-file"));
                return true;
            case SpecialFile.SymlinkToDevNull:
                File.CreateSymbolicLink(path, "/dev/null");
                return true;
            case SpecialFile.CharacterDevice:
                return Run("mknod", path, "c", "1", "3"); // the /dev/null device
            case SpecialFile.Socket:
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                _cleanup.Add(socket);
                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>Closes what <see cref="Plant"/> keeps open.</summary>
    public void Dispose()
    {
        foreach (var item in _cleanup)
        {
            item.Dispose();
        }
    }

    private static bool Run(string tool, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}

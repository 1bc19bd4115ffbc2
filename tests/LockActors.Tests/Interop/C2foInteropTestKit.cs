using System.Globalization;
using Akka.Configuration;
using LockActors.Configuration;
using LockActors.Storage;
using LockActors.TestServers.Interop;
using Xunit.Abstractions;

namespace LockActors.Tests.Interop;

/// <summary>
/// The arrangement of the c2fo/vfs interop suites: one actor system on <c>file://</c> (the store a Go process and this
/// library share here: the same files, the local clock as the store's clock), a fresh folder per case, and the Go
/// program of tests/interop/c2fo acting as the c2fo process.
/// </summary>
/// <remarks>These suites live in LockActors.Tests rather than LockActors.Storage.Tests because what they prove runs
/// through the actors: staleness on the store's clock, stale policies, takeover tokens and loss detection.</remarks>
public abstract class C2foInteropTestKit(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(
        ConfigurationFactory.ParseString("lock-actors.stale-grace = 50ms\nlock-actors.poll-interval = 50ms\nlock-actors.max-poll-interval = 200ms")
            .WithFallback(LockActorsSettings.ReferenceConfig),
        output: output)
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lockactors-c2fo-").FullName;

    /// <summary>The system's lock extension.</summary>
    protected LockActorsExtension Locks => LockActorsExtension.Get(Sys);

    /// <summary>The file:// target named <paramref name="name"/> in this case's folder.</summary>
    protected string Target(string name) => new Uri(Path.Combine(_folder, name)).AbsoluteUri;

    /// <summary>The sidecar path of <paramref name="name"/>, where c2fo writes its lock too.</summary>
    protected string SidecarPath(string name) => Path.Combine(_folder, name) + SidecarLimits.Suffix;

    /// <summary>Runs the Go program and logs what it printed.</summary>
    protected C2foResult Go(params string[] args)
    {
        var result = C2foTool.Run(args);
        Output?.WriteLine($"go c2fo-interop {string.Join(' ', args)} → exit {result.ExitCode}: {result.Text}");
        return result;
    }

    /// <summary>Go (c2fo's Metadata + IsStale) judges the sidecar at <paramref name="now"/> (default: its own clock).</summary>
    protected C2foResult GoJudge(string path, DateTimeOffset? now = null) =>
        now is { } at ? Go("judge", "-path", path, "-now", Rfc3339(at)) : Go("judge", "-path", path);

    /// <summary>Makes the store's clock say the sidecar was last written <paramref name="age"/> ago (its mtime).</summary>
    protected static void Backdate(string path, TimeSpan age) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);

    /// <summary>A time as Go's time.Parse(RFC3339Nano) reads it.</summary>
    protected static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // best effort: a temp folder
            }
        }
    }
}

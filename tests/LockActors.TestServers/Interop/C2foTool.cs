using System.Diagnostics;
using System.Text.Json;

namespace LockActors.TestServers.Interop;

/// <summary>
/// The Go program in <c>tests/interop/c2fo</c>, which plays a c2fo/vfs lockfile process with Go's own encoding/json.
/// <c>tests/run-all.sh</c> builds it (tests/servers/go-c2fo.sh installs Debian's golang) and exports its path in
/// <see cref="Variable"/>; ad hoc, it is built on first use when <c>go</c> is on the PATH.
/// </summary>
public static class C2foTool
{
    /// <summary>The variable naming the built program.</summary>
    public const string Variable = "LOCKACTORS_C2FO_TOOL";

    private static readonly Lazy<string> s_path = new(Locate);

    /// <summary>
    /// Why the interop tests cannot run here, or null when they can. Never a reason under <c>tests/run-all.sh</c> or CI
    /// (<see cref="Variable"/> or <c>CI</c> set): there a missing tool fails the tests instead of skipping them.
    /// </summary>
    public static string? SkipReason { get; } = FindSkipReason();

    /// <summary>Runs the program with <paramref name="args"/> and returns its exit code and the JSON object it printed.</summary>
    public static C2foResult Run(params string[] args)
    {
        var start = new ProcessStartInfo(s_path.Value) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {s_path.Value}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException($"c2fo-interop {string.Join(' ', args)} did not finish within 30 s");
        }

        var output = stdout.Result.Trim();
        try
        {
            return new C2foResult(process.ExitCode, JsonDocument.Parse(output).RootElement.Clone(), output);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"c2fo-interop {string.Join(' ', args)} exited {process.ExitCode} printing '{output}' (stderr '{stderr.Result}')", e);
        }
    }

    private static string? FindSkipReason()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } || Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            return null;
        }

        return FindGo() is null
            ? $"SKIPPED, NOT RUN: the c2fo/vfs interoperation tests need Go's encoding/json, and neither {Variable} is set nor " +
              "is `go` on the PATH. Run `bash tests/run-all.sh` (it installs Debian's golang and builds tests/interop/c2fo) " +
              "or `apt-get install golang` to run them."
            : null;
    }

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new InvalidOperationException($"{Variable}={given} does not exist; tests/servers/go-c2fo.sh builds it.");
        }

        var go = FindGo() ?? throw new InvalidOperationException(
            $"The c2fo/vfs interop tool is missing ({Variable} is unset and `go` is not on the PATH). Run the README test command " +
            "(bash tests/run-all.sh), which installs Go and builds tests/interop/c2fo.");
        var source = FindSource();
        var output = Path.Combine(Path.GetTempPath(), $"lockactors-c2fo-interop-{Environment.ProcessId}", "c2fo-interop");
        var build = new ProcessStartInfo(go, ["build", "-o", output, "."]) { WorkingDirectory = source, RedirectStandardError = true, RedirectStandardOutput = true };
        // Never fetch a module or a toolchain: the program uses the standard library only.
        build.Environment["GOTOOLCHAIN"] = "local";
        build.Environment["GOFLAGS"] = "-mod=mod";
        build.Environment["GOPROXY"] = "off";
        build.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "lockactors-go-cache");
        using var process = Process.Start(build)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"go build of {source} failed: {errors}");
    }

    private static string? FindGo() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "go"))
            .FirstOrDefault(File.Exists);

    /// <summary>The folder of the Go program (tests/interop/c2fo), found above the test binaries.</summary>
    public static string FindSource()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "interop", "c2fo");
            if (File.Exists(Path.Combine(candidate, "go.mod")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/interop/c2fo not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One run of the c2fo interop program.</summary>
/// <param name="ExitCode">0 done, 2 usage, 3 the sidecar did not decode as c2fo metadata, 4 I/O error.</param>
/// <param name="Json">The JSON object it printed.</param>
/// <param name="Text">The same, as printed (for test output).</param>
public sealed record C2foResult(int ExitCode, JsonElement Json, string Text)
{
    /// <summary>A boolean field of the output.</summary>
    public bool Flag(string name) => Json.GetProperty(name).GetBoolean();
}

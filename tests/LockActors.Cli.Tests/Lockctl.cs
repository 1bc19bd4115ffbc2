using System.Diagnostics;
using System.Text;

namespace LockActors.Cli.Tests;

/// <summary>Runs the built lockctl (src/LockActors.Cli/bin/&lt;configuration&gt;/net10.0/lockctl.dll) as a process.</summary>
internal static class Lockctl
{
    private static readonly Lazy<string> Dll = new(FindDll);

    /// <summary>Runs lockctl to completion (at most <paramref name="timeout"/>, default 60 s).</summary>
    public static async Task<LockctlResult> RunAsync(IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        using var run = Start(args, stdin, env);
        return await run.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts lockctl; stdin is closed at once (after writing <paramref name="stdin"/>).</summary>
    public static LockctlProcess Start(IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll.Value);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("LOCKCTL_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        return new LockctlProcess(process);
    }

    private static string FindDll()
    {
        // The test assembly runs from tests/LockActors.Cli.Tests/bin/<configuration>/net10.0/: the tool is built with the same configuration.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = testOutput.Parent!.Name;
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, "src", "LockActors.Cli", "bin", configuration, testOutput.Name, "lockctl.dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        throw new InvalidOperationException($"lockctl.dll ({configuration}) not found above {AppContext.BaseDirectory}: build src/LockActors.Cli");
    }
}

/// <summary>A finished run: exit code and both streams.</summary>
internal sealed record LockctlResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>A running lockctl.</summary>
internal sealed class LockctlProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly Task _stdoutDone;
    private readonly Task<string> _stderr;

    public LockctlProcess(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
        _stdoutDone = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (_stdout)
                {
                    _stdout.AppendLine(line);
                }
            }
        });
    }

    /// <summary>What it printed on stdout so far.</summary>
    public string StdoutSoFar
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the exit (killing the process tree after <paramref name="timeout"/>, which fails the test).</summary>
    public async Task<LockctlResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree();
            throw new TimeoutException($"lockctl did not exit within {timeout}; stdout so far:\n{StdoutSoFar}");
        }

        await _stdoutDone;
        return new LockctlResult(_process.ExitCode, StdoutSoFar, await _stderr);
    }

    /// <summary>Kills lockctl and its children, as a crash (SIGKILL) would.</summary>
    public void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }
}

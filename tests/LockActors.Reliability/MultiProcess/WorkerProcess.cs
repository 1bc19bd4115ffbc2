using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace LockActors.Reliability.MultiProcess;

/// <summary>
/// One <c>LockActors.ContentionWorker</c> OS process: its stdout lines (each stamped with the Stopwatch time it
/// arrived), waiting for a line, and the signals the tests send (SIGKILL, SIGSTOP, SIGCONT).
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private WorkerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
                _lineArrived.Release();
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _errors.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public string Errors => string.Join('\n', _errors);

    public static string WorkerDll
    {
        get
        {
            // tests/LockActors.Reliability/bin/<Configuration>/net10.0/ → tests/LockActors.ContentionWorker/bin/<Configuration>/net10.0/
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = here.Parent!.Name;
            var dll = Path.GetFullPath(Path.Combine(here.FullName, "..", "..", "..", "..", "LockActors.ContentionWorker", "bin", configuration, here.Name, "LockActors.ContentionWorker.dll"));
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build tests/LockActors.ContentionWorker first (the solution build does).", dll);
        }
    }

    /// <summary>Starts a worker with <paramref name="arguments"/>; <paramref name="environment"/> adds variables (e.g. LD_PRELOAD).</summary>
    public static WorkerProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WorkerDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new WorkerProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the worker process"));
    }

    /// <summary>The first line starting with <paramref name="prefix"/>, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            var left = TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            if (left <= TimeSpan.Zero || (_process.HasExited && !await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200))))
            {
                if (_process.HasExited)
                {
                    _process.WaitForExit(); // drains stdout and stderr, so the message shows why it exited
                }

                throw new TimeoutException($"worker {Pid} printed no '{prefix}' line within {timeout} (exited: {_process.HasExited}).\nstdout:\n{string.Join('\n', Lines.TakeLast(20))}\nstderr:\n{Errors}");
            }

            await _lineArrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"worker {Pid} did not exit within {timeout}.\nstdout:\n{string.Join('\n', Lines.TakeLast(20))}\nstderr:\n{Errors}");
        }

        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no release, no goodbye. Returns the Stopwatch time just before the signal.</summary>
    public long KillHard()
    {
        var at = Stopwatch.GetTimestamp();
        _process.Kill();
        _process.WaitForExit();
        return at;
    }

    /// <summary>SIGTERM: the polite stop a service manager sends (.NET runs the process-exit hooks, Akka's coordinated shutdown among them).</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>SIGSTOP: the process freezes as in a long GC pause or a VM freeze.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT.</summary>
    public void Resume() => Signal("CONT");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill();
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {Pid} failed ({kill.ExitCode})");
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using LockActors.Client;

namespace LockActors.Cli.Running;

/// <summary>The command <c>lockctl acquire</c> runs under the lock: started with the same stdin/stdout/stderr, killed with its whole process tree when the lock is lost.</summary>
internal sealed class ChildCommand : IDisposable
{
    private readonly Process _process;

    private ChildCommand(Process process) => _process = process;

    /// <summary>The child's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts <paramref name="command"/> with <c>LOCKCTL_TARGET</c>, <c>LOCKCTL_LOCK_ID</c> and
    /// <c>LOCKCTL_FENCING_TOKEN</c> in its environment (pass the token to the resource the lock protects).
    /// </summary>
    /// <exception cref="CliFailure">The program cannot be started (exit code 127).</exception>
    public static ChildCommand Start(IReadOnlyList<string> command, LockHandle handle)
    {
        var start = new ProcessStartInfo(command[0], command.Skip(1)) { UseShellExecute = false };
        start.Environment["LOCKCTL_TARGET"] = handle.Target;
        start.Environment["LOCKCTL_LOCK_ID"] = handle.LockId;
        start.Environment["LOCKCTL_FENCING_TOKEN"] = handle.FencingToken.ToString(CultureInfo.InvariantCulture);
        try
        {
            return new ChildCommand(Process.Start(start) ?? throw new CliFailure(ExitCodes.CommandNotRunnable, $"cannot run '{command[0]}'"));
        }
        catch (Win32Exception e)
        {
            throw new CliFailure(ExitCodes.CommandNotRunnable, $"cannot run '{command[0]}': {e.Message}");
        }
    }

    /// <summary>Completes with the exit code when the command exits.</summary>
    public async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Kills the command and every process it started, and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _process.Dispose();
}

namespace LockActors.Cli;

/// <summary>lockctl's exit codes (README "Operators: lockctl" lists them). <c>acquire</c> exits with its command's code.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Any other error (an unexpected failure, a lock error without a code of its own).</summary>
    public const int Error = 1;

    /// <summary>Bad command line, target URI or configuration: nothing was touched.</summary>
    public const int Usage = 2;

    /// <summary>Refused because of the lock's state: held and not stale, changed since it was read, wait timed out, not confirmed.</summary>
    public const int Held = 3;

    /// <summary>The store could not be reached, refused the credentials, or has no such bucket or folder.</summary>
    public const int StoreUnavailable = 4;

    /// <summary><c>acquire</c>: the lock was lost while the command ran; the command was killed.</summary>
    public const int LockLost = 5;

    /// <summary>The sidecar is not lock metadata (corrupt, too large, or not a regular file).</summary>
    public const int CorruptSidecar = 6;

    /// <summary><c>acquire</c>: the command could not be started (like a shell's 127).</summary>
    public const int CommandNotRunnable = 127;

    /// <summary>Interrupted (Ctrl+C / SIGTERM) before the work was done (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}

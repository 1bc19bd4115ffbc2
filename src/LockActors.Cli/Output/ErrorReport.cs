namespace LockActors.Cli.Output;

/// <summary>
/// Turns any failure into an exit code and one line on stderr (<c>lockctl: message</c>); the stack trace follows only
/// with <c>--verbose</c>. Typed library exceptions map to the documented codes.
/// </summary>
internal static class ErrorReport
{
    /// <summary>The exit code for <paramref name="error"/>.</summary>
    public static int ExitCodeOf(Exception error) => error switch
    {
        CliFailure failure => failure.ExitCode,
        LockConfigurationException or InvalidLockTargetException or UnsupportedSchemeException or InvalidLockRequestException => ExitCodes.Usage,
        LockAlreadyHeldException or LockAcquireTimeoutException or LockQueueFullException => ExitCodes.Held,
        StoreUnavailableException or StoreAccessDeniedException or StoreLocationNotFoundException or StoreNotSafeException or LockReplyTimeoutException => ExitCodes.StoreUnavailable,
        CorruptSidecarException or SidecarNotRegularFileException => ExitCodes.CorruptSidecar,
        OperationCanceledException => ExitCodes.Interrupted,
        _ => ExitCodes.Error,
    };

    /// <summary>Writes <paramref name="error"/> to <paramref name="stderr"/> and returns its exit code.</summary>
    public static int Report(Exception error, TextWriter stderr, bool verbose)
    {
        var message = error switch
        {
            CliFailure or LockException => error.Message,
            OperationCanceledException => "interrupted",
            _ => $"unexpected {error.GetType().Name}: {error.Message}",
        };
        stderr.WriteLine("lockctl: " + OneLine(message));
        if (verbose)
        {
            stderr.WriteLine(error.ToString());
        }

        return ExitCodeOf(error);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}

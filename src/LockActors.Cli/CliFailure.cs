namespace LockActors.Cli;

/// <summary>A failure lockctl itself reports: one line on stderr and <see cref="ExitCode"/>.</summary>
internal sealed class CliFailure(int exitCode, string message) : Exception(message)
{
    /// <summary>The process exit code (<see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>A bad argument or option value.</summary>
    public static CliFailure Usage(string message) => new(ExitCodes.Usage, message);
}

using LockActors.Cli.Running;

namespace LockActors.Cli.Commands;

/// <summary>Asks a yes/no question on stdin. No answer (stdin closed or empty) is a no: a script never breaks a live lock by accident.</summary>
internal static class Confirmation
{
    /// <summary>True when the answer is <c>y</c> or <c>yes</c>.</summary>
    public static async Task<bool> AskAsync(CliConsole console, string question)
    {
        if (console.InputIsTerminal)
        {
            await console.Error.WriteAsync(question + " [y/N] ").ConfigureAwait(false);
            await console.Error.FlushAsync().ConfigureAwait(false);
        }

        var answer = (await console.In.ReadLineAsync().ConfigureAwait(false))?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }
}

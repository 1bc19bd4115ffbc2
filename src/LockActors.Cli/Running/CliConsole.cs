namespace LockActors.Cli.Running;

/// <summary>The standard streams, and whether stdin is a terminal (for confirmation prompts).</summary>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputIsTerminal)
{
    /// <summary>The process's own console.</summary>
    public static CliConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected);
}

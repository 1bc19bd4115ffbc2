namespace LockActors.Benchmarks;

/// <summary>Command-line options of the scenario runner.</summary>
public sealed record Options(bool Smoke, int Runs, string OutDir, double Scale = 1.0, string? Filter = null)
{
    /// <summary>Picks the smoke or the full size.</summary>
    public int Size(int smoke, int full) => Smoke ? smoke : Math.Max(1, (int)(full * Scale));
}

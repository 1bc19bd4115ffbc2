using System.Globalization;

namespace LockActors.Reliability.MultiProcess;

/// <summary>
/// Short in CI, long in tests/run-soak.sh: the same tests read their sizes from LOCKACTORS_SOAK* variables.
/// </summary>
public static class ReliabilityRun
{
    /// <summary>LOCKACTORS_SOAK=1: the long versions (R1–R3, pauses).</summary>
    public static bool Soak => Environment.GetEnvironmentVariable("LOCKACTORS_SOAK") == "1";

    /// <summary>R1: total grants of the contention test (soak default 100,000).</summary>
    public static int Grants => Int("LOCKACTORS_SOAK_GRANTS", Soak ? 100_000 : 64);

    /// <summary>R1: worker processes × callers per process (soak 4 × 16).</summary>
    public static (int Processes, int Callers) Contenders => Soak ? (Int("LOCKACTORS_SOAK_PROCESSES", 4), Int("LOCKACTORS_SOAK_CALLERS", 16)) : (4, 4);

    /// <summary>R2: kill -9 rounds (soak default 100).</summary>
    public static int Kills => Int("LOCKACTORS_SOAK_KILLS", Soak ? 100 : 1);

    /// <summary>Pause rounds (soak default 20).</summary>
    public static int Pauses => Int("LOCKACTORS_SOAK_PAUSES", Soak ? 20 : 1);

    /// <summary>R3: grants under injected faults (soak default 5,000).</summary>
    public static int FaultGrants => Int("LOCKACTORS_SOAK_FAULT_GRANTS", Soak ? 5_000 : 32);

    /// <summary>R3: share of store calls disturbed (default 10%).</summary>
    public static double FaultRate =>
        double.TryParse(Environment.GetEnvironmentVariable("LOCKACTORS_SOAK_FAULT_RATE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) ? rate : 0.10;

    /// <summary>Appends one markdown table row to the soak report (LOCKACTORS_SOAK_REPORT), when one is being written.</summary>
    public static void Report(string backend, string scenario, string result, string figures)
    {
        var path = Environment.GetEnvironmentVariable("LOCKACTORS_SOAK_REPORT");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        lock (typeof(ReliabilityRun))
        {
            File.AppendAllText(path, $"| {backend} | {scenario} | {result} | {figures} |\n");
        }
    }

    private static int Int(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

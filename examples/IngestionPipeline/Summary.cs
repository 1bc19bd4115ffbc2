namespace IngestionPipeline;

/// <summary>Proves the run: every file archived, processed exactly once, nothing left behind.</summary>
internal static class Summary
{
    public static int Check(PipelineOptions options, int[] exitCodes, TimeSpan elapsed)
    {
        var records = Directory.GetFiles(options.Logs, "worker-*.csv")
            .SelectMany(File.ReadAllLines)
            .Select(line => line.Split(','))
            .Select(f => (File: f[0], Worker: int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
        var perFile = records.GroupBy(r => r.File).ToDictionary(g => g.Key, g => g.Count());
        var duplicates = perFile.Count(kv => kv.Value > 1);
        var archived = Directory.GetFiles(options.Archive).Length;
        var leftInInbox = Directory.GetFiles(options.Inbox).Count(Worker.IsDataFile);
        var leftLocks = Directory.GetFiles(options.Inbox, "*.lock").Length;
        var missing = options.Files - perFile.Count;

        Console.WriteLine();
        Console.WriteLine("Summary");
        Console.WriteLine($"  files created           {options.Files,8:N0}");
        Console.WriteLine($"  processed (log lines)   {records.Length,8:N0}   by worker: {string.Join(", ", records.GroupBy(r => r.Worker).OrderBy(g => g.Key).Select(g => $"#{g.Key}={g.Count()}"))}");
        Console.WriteLine($"  processed twice         {duplicates,8:N0}");
        Console.WriteLine($"  never processed         {missing,8:N0}");
        Console.WriteLine($"  archived                {archived,8:N0}");
        Console.WriteLine($"  left in inbox           {leftInInbox,8:N0}   (lock sidecars left: {leftLocks})");
        Console.WriteLine($"  worker exit codes       {string.Join(" ", exitCodes)}");
        Console.WriteLine($"  elapsed                 {elapsed.TotalSeconds,8:F1} s   ({options.Files / Math.Max(elapsed.TotalSeconds, 0.001):N0} files/s)");

        var ok = duplicates == 0 && missing == 0 && records.Length == options.Files && archived == options.Files
                 && leftInInbox == 0 && leftLocks == 0 && exitCodes.All(c => c == 0);
        Console.WriteLine(ok ? "OK: every file was processed exactly once." : "FAILED: the run did not process every file exactly once.");
        return ok ? 0 : 1;
    }
}

using System.Diagnostics;

namespace IngestionPipeline;

/// <summary>Fills the inbox, starts the worker processes, shows progress and checks the outcome.</summary>
internal static class Coordinator
{
    public static async Task<int> RunAsync(PipelineOptions options)
    {
        foreach (var dir in new[] { options.Inbox, options.Archive, options.Logs })
        {
            Directory.CreateDirectory(dir);
        }

        Console.WriteLine($"Inbox: {options.Inbox}");
        Console.WriteLine($"Creating {options.Files:N0} files, then starting {options.Workers} competing worker processes" +
                          (options.ClusterPorts is null ? "..." : $" as one Akka.NET cluster in LockActors' cluster mode (127.0.0.1:{string.Join(", ", options.ClusterPorts)})..."));
        for (var i = 0; i < options.Files; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(options.Inbox, $"record-{i:D6}.json"), $"{{\"id\":{i},\"payload\":\"{Guid.NewGuid()}\"}}");
        }

        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(1, options.Workers).Select(id => StartWorker(options, id)).ToArray();
        while (!workers.All(w => w.HasExited))
        {
            var archived = Directory.EnumerateFiles(options.Archive).Count();
            Console.Write($"\r  processed {archived,7:N0} / {options.Files:N0}  ({archived * 100 / options.Files,3}%)  {watch.Elapsed.TotalSeconds,6:F1} s");
            await Task.Delay(250);
        }

        Console.WriteLine();
        foreach (var worker in workers)
        {
            Console.Write(await worker.StandardOutput.ReadToEndAsync());
            var errors = await worker.StandardError.ReadToEndAsync();
            if (errors.Length > 0)
            {
                Console.Error.Write(errors);
            }
        }

        return Summary.Check(options, workers.Select(w => w.ExitCode).ToArray(), watch.Elapsed);
    }

    private static Process StartWorker(PipelineOptions options, int id)
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(Coordinator).Assembly.Location);
        }

        foreach (var argument in new[] { "--worker", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", options.Directory, "--files", options.Files.ToString(System.Globalization.CultureInfo.InvariantCulture), "--work-ms", ((int)options.WorkPerFile.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        if (options.Metrics)
        {
            info.ArgumentList.Add("--metrics");
        }

        if (options.ClusterPorts is { } ports)
        {
            info.ArgumentList.Add("--cluster-ports");
            info.ArgumentList.Add(string.Join(',', ports));
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start a worker");
    }
}

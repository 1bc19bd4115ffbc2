using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Cluster.Tests;

/// <summary>
/// The README's ingestion example, run as it is documented: a coordinator and three worker processes over file://,
/// independent or as one cluster in cluster mode (<c>--cluster 3</c>); its own summary checks that every file was
/// processed exactly once.
/// </summary>
public sealed class ExamplePipelineTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("--workers", "3")]
    [InlineData("--cluster", "3")]
    public async Task Ingestion_example_processes_every_file_exactly_once(string mode, string count)
    {
        var dir = Directory.CreateTempSubdirectory("lockactors-example-");
        try
        {
            var start = new ProcessStartInfo("dotnet", [ExampleDll(), "--files", "300", mode, count, "--dir", dir.FullName])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var text = await stdout;
            output.WriteLine(text[Math.Max(0, text.LastIndexOf("Summary", StringComparison.Ordinal))..]);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{text}\n{await stderr}");
            Assert.Contains("OK: every file was processed exactly once.", text, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>examples/IngestionPipeline's build output in this test run's configuration.</summary>
    private static string ExampleDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/<tfm>/
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples", "IngestionPipeline", "bin", configuration, "net10.0", "IngestionPipeline.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"examples/IngestionPipeline ({configuration}) is not built above {AppContext.BaseDirectory}");
    }
}

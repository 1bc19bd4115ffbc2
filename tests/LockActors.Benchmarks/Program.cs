using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LockActors.Benchmarks;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Benchmarks.Micro;
using LockActors.Benchmarks.Scenarios;

const string Usage = """
    usage: dotnet run -c Release --project tests/LockActors.Benchmarks -- <scenario> [--runs N] [--smoke] [--out DIR]
      scenarios: p1 p2 p3 p4 p5 p6 latency p7 scaling all (= all of these), micro (BenchmarkDotNet)
      --runs N   measured runs per figure (default 3; 1 with --smoke)
      --smoke    tiny sizes, no external servers: a few seconds, for CI
      --scale F  multiply the full sizes by F (e.g. 0.1 for a quick look; the committed figures use 1)
      --out DIR  results folder (default tests/LockActors.Benchmarks/results/<utc-time>-<scenario>)
      --filter S micro: the benchmark classes whose name contains S (e.g. StoreOpCancellation, LockId, Grant, HandOff); p7: the stores whose name contains S (e.g. sftp)
    External stores (s3, sftp) are measured when the LOCKACTORS_* variables printed by tests/servers/*.sh are set.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

var verb = args[0].ToLowerInvariant();
if (verb == "p2-trace")
{
    // tests/perf/p2-syscalls.sh: p2-trace <lib|lib-inline|raw> <ops>
    await P2File.TraceAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
    return 0;
}

if (verb == "p1-load")
{
    // tests/perf/p1-profile.sh: p1-load <callers> <n> runs the library side of P1 once, for a profiler to sample.
    await P1FanOut.LoadAsync(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
    return 0;
}

if (verb == "p5-hold")
{
    // For a heap dump (dotnet-gcdump collect -p <pid>): p5-hold <lib|raw> <n> keeps n idle actors alive for 120 s.
    await P5Memory.HoldAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
    return 0;
}

var smoke = args.Contains("--smoke");
var runs = smoke ? 1 : 3;
string? outDir = null;
var scale = 1.0;
string? filter = null;
for (var i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs" when i + 1 < args.Length:
            runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--scale" when i + 1 < args.Length:
            scale = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--filter" when i + 1 < args.Length:
            filter = args[++i];
            break;
        case "--out" when i + 1 < args.Length:
            outDir = args[++i];
            break;
        case "--smoke":
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'\n{Usage}");
            return 2;
    }
}

outDir ??= Path.Combine(ProjectDirectory(), "results", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{verb}{(smoke ? "-smoke" : string.Empty)}");
Directory.CreateDirectory(outDir);
var options = new Options(smoke, Math.Max(1, runs), outDir, scale, filter);

if (verb == "micro")
{
    return RunMicro(options);
}

var scenarios = new (string Name, Func<Options, Results, Task> Run)[]
{
    ("p1", P1FanOut.RunAsync), ("p2", P2File.RunAsync), ("p3", P3Requests.RunAsync),
    ("p4", P4Contention.RunAsync), ("p5", P5Memory.RunAsync), ("p6", P6Cluster.RunAsync), ("latency", StoreLatency.RunAsync), ("p7", P7NetworkFanOut.RunAsync), ("scaling", ScalingCurves.RunAsync),
};
var selected = verb == "all" ? scenarios : scenarios.Where(s => s.Name == verb).ToArray();
if (selected.Length == 0)
{
    Console.Error.WriteLine($"unknown scenario '{verb}'\n{Usage}");
    return 2;
}

var results = new Results();
var started = DateTime.UtcNow;
var total = Stopwatch.StartNew();
var failures = new List<string>();
foreach (var (name, run) in selected)
{
    Console.WriteLine($"== {name} ({(smoke ? "smoke" : "full")}, {options.Runs} run(s))");
    var sw = Stopwatch.StartNew();
    try
    {
        await run(options, results);
    }
    catch (Exception e)
    {
        failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine($"!! {name} failed: {e}");
    }

    Console.WriteLine($"== {name} done in {sw.Elapsed.TotalSeconds:F1} s");
    Write();
}

Console.WriteLine($"results: {outDir} ({total.Elapsed.TotalSeconds:F0} s)");
if (failures.Count > 0)
{
    Console.Error.WriteLine("FAILED: " + string.Join("; ", failures));
    return 1;
}

return 0;

void Write()
{
    var header = $"""
        # LockActors benchmarks — `{verb}`{(smoke ? " (smoke)" : string.Empty)}

        - Started {started:yyyy-MM-dd HH:mm} UTC, took {total.Elapsed.TotalMinutes:F1} min; {options.Runs} measured run(s) per figure (min–max are over runs).
        - Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, Release build.
        - Sizes: {(smoke ? "smoke" : scale == 1.0 ? "full" : $"full × {scale}")}. Command: `dotnet run -c Release --project tests/LockActors.Benchmarks -- {string.Join(' ', args)}`
        - Every figure sits beside a raw baseline measured in the same run (same process, library and baseline phases alternate in order from run to run).
          **ratio** = library ÷ baseline for throughput, baseline ÷ library for costs (time, bytes, requests): 1.00 = as good as raw, lower = worse.
        {(failures.Count > 0 ? "- FAILED scenarios: " + string.Join("; ", failures) : string.Empty)}
        """;
    File.WriteAllText(Path.Combine(outDir, "summary.md"), results.ToMarkdown(header));
    File.WriteAllText(Path.Combine(outDir, "runs.csv"), results.ToCsv());
    File.WriteAllText(Path.Combine(outDir, "summary.csv"), results.ToSummaryCsv());
}

static int RunMicro(Options options)
{
    var job = (options.Smoke ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
    var config = ManualConfig.CreateEmpty()
        .AddJob(job)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddLogger(ConsoleLogger.Default)
        .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
        .WithArtifactsPath(Path.Combine(options.OutDir, "micro"))
        .WithOptions(ConfigOptions.DisableLogFile);
    Type[] all = [typeof(CodecBenchmarks), typeof(TargetBenchmarks), typeof(MemoryStoreBenchmarks), typeof(StoreOpCancellationBenchmarks),
        typeof(LockIdBenchmarks), typeof(GrantBenchmarks), typeof(HandOffBenchmarks)];
    var summaries = BenchmarkRunner.Run([.. all.Where(t => options.Filter is null || t.Name.Contains(options.Filter, StringComparison.OrdinalIgnoreCase))], config);
    var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
    Console.WriteLine($"micro results: {Path.Combine(options.OutDir, "micro", "results")}");
    return failed ? 1 : 0;
}

static string ProjectDirectory()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "LockActors.Benchmarks.csproj")))
        {
            return dir.FullName;
        }
    }

    return Path.Combine(Directory.GetCurrentDirectory(), "benchmark-results");
}

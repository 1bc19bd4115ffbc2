using System.Globalization;

namespace IngestionPipeline;

/// <summary>Command-line options shared by the coordinator and its workers.</summary>
internal sealed record PipelineOptions(int Files, int Workers, string Directory, int? WorkerId, TimeSpan WorkPerFile, bool Metrics)
{
    public string Inbox => Path.Combine(Directory, "inbox");

    public string Archive => Path.Combine(Directory, "archive");

    public string Logs => Path.Combine(Directory, "logs");

    public static PipelineOptions Parse(string[] args)
    {
        var files = 2000;
        var workers = 4;
        var work = TimeSpan.FromMilliseconds(1);
        string? dir = null;
        int? workerId = null;
        var metrics = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--files": files = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--dir": dir = Next(); break;
                case "--work-ms": work = TimeSpan.FromMilliseconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--worker": workerId = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--metrics": metrics = true; break;
                default: throw new ArgumentException($"unknown option {args[i]} (use --files N --workers N --dir PATH --work-ms N --metrics)");
            }
        }

        if (files <= 0 || workers <= 0)
        {
            throw new ArgumentException("--files and --workers must be positive");
        }

        dir ??= System.IO.Directory.CreateTempSubdirectory("lockactors-ingest-").FullName;
        return new PipelineOptions(files, workers, Path.GetFullPath(dir), workerId, work, metrics);
    }
}

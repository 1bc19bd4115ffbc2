using IngestionPipeline;

// A high-fan-out ingestion pipeline on LockActors: an inbox of files, several competing worker processes
// that claim files with locks, process them and move them to archive/, and a summary proving that every
// file was processed exactly once.
//
//   dotnet run --project examples/IngestionPipeline -- [--files 2000] [--workers 4] [--dir <folder>] [--metrics] [--cluster 3]
//
// --cluster N: N workers form one Akka.NET cluster on 127.0.0.1 in LockActors' cluster mode (one actor per file for the
// whole cluster, Cluster Sharding); the store still arbitrates, and the same exactly-once check runs.
// --metrics: each worker prints the LockActors metrics at the end, through OpenTelemetry's console exporter.
var options = PipelineOptions.Parse(args);
return options.WorkerId is { } id
    ? await Worker.RunAsync(options, id)
    : await Coordinator.RunAsync(options);

using LockActors;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace IngestionPipeline;

/// <summary>
/// The <c>--metrics</c> option: a worker subscribes OpenTelemetry to the <c>LockActors</c> meter and prints every
/// instrument once, at the end, with the console exporter. A real service would add an OTLP or Prometheus exporter
/// the same way (<c>AddMeter(LockActorsTelemetry.MeterName)</c>).
/// </summary>
internal static class WorkerMetrics
{
    public static MeterProvider Start() =>
        Sdk.CreateMeterProviderBuilder()
            .AddMeter(LockActorsTelemetry.MeterName)
            .AddConsoleExporter((_, reader) =>
                // One export, when the provider is disposed (Print), not one every few seconds while the worker runs.
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue)
            .Build();

    /// <summary>Prints the metrics collected so far (disposing the provider runs its final export).</summary>
    public static void Print(MeterProvider? metrics, int workerId)
    {
        if (metrics is null)
        {
            return;
        }

        Console.WriteLine($"worker {workerId}: LockActors metrics (OpenTelemetry console exporter)");
        metrics.Dispose();
    }
}

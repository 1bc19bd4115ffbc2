using System.Globalization;
using Akka.Configuration;
using LockActors.Configuration.Stores;
using LockActors.Storage;
using LockActors.S3;
using LockActors.TestServers.Backends;
using LockActors.TestServers.S3;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Reliability.MultiProcess;

/// <summary>
/// The s3:// store on a host whose wall clock is an hour off (a worker process under libfaketime): RGW refuses the
/// first SigV4 request as 403 RequestTimeTooSkewed, the AWS SDK learns the offset from that response's Date, and the
/// store re-sends that one request; every later request is signed with the corrected time. The AWS SDK offers no
/// per-client clock to inject (only the process-wide AWSConfigs.ManualClockCorrection, which switches correction
/// off), so the skewed clock is a real one in another process.
/// </summary>
public sealed class S3ClockSkewStoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lockactors-s3skew-").FullName;

    [Fact]
    public async Task A_store_whose_clock_is_an_hour_off_creates_reads_replaces_and_deletes_after_one_resend()
    {
        using var lane = await MultiProcessLanes.EnterAsync();
        var library = Environment.GetEnvironmentVariable("LOCKACTORS_FAKETIME_LIB") is { Length: > 0 } lib && File.Exists(lib)
            ? lib
            : throw new InvalidOperationException("libfaketime is not set up (LOCKACTORS_FAKETIME_LIB): eval \"$(bash tests/servers/faketime.sh up /tmp/faketime)\"");
        var hocon = S3TestServer.Hocon();
        var config = Path.Combine(_work, "store.conf");
        await File.WriteAllTextAsync(config, hocon);

        // The same round trip on this host's (right) clock: the request count a skewed store must match, plus one.
        long baseline;
        await using (var registry = LockStoreRegistryFactory.Create(ConfigurationFactory.ParseString(hocon)))
        {
            var target = LockTarget.Parse(NewTarget("baseline"));
            var store = (S3LockStore)registry.Resolve(target);
            await StoreRoundTrip.RunAsync(store, target);
            baseline = store.Requests.Total;
        }

        foreach (var (offset, shift, name) in new[] { ("+1h", TimeSpan.FromHours(1), "fast"), ("-1h", TimeSpan.FromHours(-1), "slow") })
        {
            using var worker = WorkerProcess.Start(
                ["store", "--config", config, "--targets", NewTarget("skewed-" + name)],
                new Dictionary<string, string>
                {
                    ["LD_PRELOAD"] = library,
                    ["FAKETIME"] = offset,
                    ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
                    ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0", // see MultiProcessSuite: the fix breaks .NET's timed waits
                });
            var exit = await worker.WaitForExitAsync(TimeSpan.FromMinutes(2));
            var lines = string.Join('\n', worker.Lines);
            output.WriteLine($"FAKETIME={offset}, exit {exit}:\n{lines}\n{worker.Errors}");

            var clock = worker.Lines.First(l => l.StartsWith("CLOCK", StringComparison.Ordinal)).Split(' ').First(f => f.StartsWith("utc=", StringComparison.Ordinal))[4..];
            var seen = DateTime.Parse(clock, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) - DateTime.UtcNow;
            Assert.True((seen - shift).Duration() < TimeSpan.FromMinutes(5), $"libfaketime did not shift the worker's DateTime.UtcNow by {offset} (shift {seen})");
            Assert.True(exit == 0, $"the store with a clock {offset} off failed:\n{lines}\n{worker.Errors}");
            foreach (var step in new[] { "STORE create", "STORE read", "STORE replace ", "STORE replace-stale refused", "STORE delete", "STORE read absent" })
            {
                Assert.Contains(worker.Lines, l => l.StartsWith(step, StringComparison.Ordinal));
            }

            // Staleness is judged on the server's clock: the snapshot's times are RGW's, not the skewed host's.
            var read = worker.Lines.First(l => l.StartsWith("STORE read ", StringComparison.Ordinal) && l.Contains("store-now=", StringComparison.Ordinal));
            var storeNow = DateTimeOffset.Parse(read[(read.IndexOf("store-now=", StringComparison.Ordinal) + 10)..], CultureInfo.InvariantCulture);
            Assert.True((storeNow - DateTimeOffset.UtcNow).Duration() < TimeSpan.FromMinutes(2), $"StoreNow {storeNow:O} is not the server's clock");

            // Exactly one request was refused and re-sent (the first one, of the endpoint probe); none after it.
            var requests = long.Parse(worker.Lines.Single(l => l.StartsWith("REQUESTS ", StringComparison.Ordinal))[9..], CultureInfo.InvariantCulture);
            Assert.Equal(baseline + 1, requests);
        }
    }

    private static string NewTarget(string name) => $"s3://{S3TestServer.Bucket}/skew/{Guid.NewGuid():N}/{name}.csv";

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LockActors.Client;
using LockActors.Configuration;
using LockActors.Storage;
using LockActors.Tests.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.MultiProcess;

/// <summary>
/// Exclusion across real OS processes: several worker processes, each with several callers, contend on a few
/// targets and record every hold; no two holds of one target may overlap and fencing tokens must grow. A killed
/// holder's lock is taken over only after its TTL. Run against every cross-process backend.
/// </summary>
public abstract class MultiProcessExclusionSuite : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lockactors-mp-").FullName;
    private readonly ITestOutputHelper _output;

    protected MultiProcessExclusionSuite(StoreUnderTest backend, ITestOutputHelper output)
    {
        Backend = backend;
        _output = output;
    }

    protected StoreUnderTest Backend { get; }

    protected virtual int Processes => 4;

    protected virtual int CallersPerProcess => 8;

    protected virtual int GrantsPerCaller => 6;

    protected virtual int Targets => 3;

    private string WorkerConfigFile()
    {
        var path = Path.Combine(_work, "worker.conf");
        File.WriteAllText(path, Backend.Hocon + "\nlock-actors.poll-interval = 20ms\nlock-actors.max-poll-interval = 100ms\nakka.loglevel = WARNING\n");
        return path;
    }

    [Fact]
    public async Task Processes_contending_on_few_targets_never_overlap_and_fencing_tokens_increase()
    {
        var targets = Enumerable.Range(0, Targets).Select(i => Backend.NewTargetUri($"shared-{i}.csv")).ToArray();
        var config = WorkerConfigFile();
        var ttl = Backend.ShortTtl * 4;
        var workers = Enumerable.Range(0, Processes).Select(p => (Out: Path.Combine(_work, $"holds-{p}.csv"), Process: WorkerProcess.Start(
            "contend", "--config", config, "--targets", string.Join(',', targets), "--callers", CallersPerProcess.ToString(CultureInfo.InvariantCulture),
            "--grants", GrantsPerCaller.ToString(CultureInfo.InvariantCulture), "--ttl-ms", ((int)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "--hold-ms", "3", "--out", Path.Combine(_work, $"holds-{p}.csv")))).ToArray();

        foreach (var (_, process) in workers)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
            {
                process.Kill();
                Assert.Fail("a worker process did not finish within 4 minutes");
            }

            _output.WriteLine($"worker {process.Id}: exit {process.ExitCode} {await stdout} {await stderr}");
            Assert.Equal(0, process.ExitCode);
        }

        var holds = workers.SelectMany(w => File.ReadAllLines(w.Out)).Select(Hold.Parse).ToArray();
        Assert.Equal(Processes * CallersPerProcess * GrantsPerCaller, holds.Length);
        Assert.DoesNotContain(holds, h => h.Lost);
        Assert.True(holds.Select(h => h.Pid).Distinct().Count() == Processes, "every process got grants");

        var overlaps = 0;
        foreach (var perTarget in holds.GroupBy(h => h.Target))
        {
            var ordered = perTarget.OrderBy(h => h.Start).ToArray();
            for (var i = 1; i < ordered.Length; i++)
            {
                if (ordered[i].Start < ordered[i - 1].End)
                {
                    overlaps++;
                    _output.WriteLine($"OVERLAP on {perTarget.Key}: {ordered[i - 1]} and {ordered[i]}");
                }

                Assert.True(ordered[i].Token > ordered[i - 1].Token, $"token {ordered[i].Token} after {ordered[i - 1].Token} on {perTarget.Key}");
            }
        }

        _output.WriteLine($"{holds.Length} grants by {Processes} processes x {CallersPerProcess} callers on {Targets} targets; overlaps: {overlaps}; " +
                          $"cross-process hand-offs: {holds.GroupBy(h => h.Target).Sum(g => g.OrderBy(h => h.Start).Zip(g.OrderBy(h => h.Start).Skip(1)).Count(p => p.First.Pid != p.Second.Pid))}");
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public async Task Killed_holder_is_taken_over_only_after_its_ttl()
    {
        var target = Backend.NewTargetUri("killed.csv");
        var ttl = Backend.ShortTtl * 2;
        using var holder = WorkerProcess.Start("hold", "--config", WorkerConfigFile(), "--targets", target, "--ttl-ms", ((int)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        var line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("HOLDING", line, StringComparison.Ordinal);
        await Task.Delay(ttl); // let it renew at least once so we know renewals were running

        holder.Kill(); // SIGKILL: no release, no goodbye
        var killedAt = DateTimeOffset.UtcNow;
        Assert.True(holder.WaitForExit(TimeSpan.FromSeconds(10)));

        using var system = ActorSystem.Create("mp-observer", ConfigurationFactory.ParseString(Backend.Hocon).WithFallback(LockActorsSettings.ReferenceConfig));
        var locks = LockActorsExtension.Get(system);
        var key = LockTarget.Parse(target).Sidecar;
        var lastWrite = await locks.Stores.Resolve(key.Target).ReadAsync(key);
        Assert.NotNull(lastWrite);

        var handle = await locks.Client.AcquireAsync(target, new LockOptions { Ttl = ttl, AcquireTimeout = ttl * 6 });
        var grantedAt = DateTimeOffset.UtcNow;
        await handle.ReleaseAsync();
        _output.WriteLine($"killed at {killedAt:O}, last sidecar write {lastWrite.ModifiedAt:O}, taken over at {grantedAt:O} ({(grantedAt - killedAt).TotalMilliseconds:F0} ms after the kill, TTL {ttl.TotalMilliseconds} ms)");
        Assert.True(grantedAt >= lastWrite.ModifiedAt + ttl, $"taken over {(grantedAt - lastWrite.ModifiedAt).TotalMilliseconds:F0} ms after the last renewal, before the {ttl.TotalMilliseconds} ms TTL");
        Assert.True(handle.FencingToken > long.Parse(line!.Split(' ')[1], CultureInfo.InvariantCulture));
        await system.Terminate();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    private sealed record Hold(string Target, long Token, long Start, long End, int Pid, string LockId, bool Lost)
    {
        public static Hold Parse(string line)
        {
            var f = line.Split(',');
            return new Hold(f[0], long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture),
                long.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture), f[5], f.Length > 6 && f[6] == "lost");
        }
    }
}

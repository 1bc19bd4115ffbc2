using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Reliability.Schedules;

/// <summary>
/// Randomised schedules (see <see cref="ScheduleRunner"/>). The normal run covers a fixed set of seeds;
/// <c>LOCKACTORS_SCHEDULES=N</c> runs N seeds (the soak script's long version) and
/// <c>LOCKACTORS_SCHEDULE_SEED=S</c> replays exactly seed S.
/// </summary>
public sealed class RandomScheduleTests(ITestOutputHelper output)
{
    private const int FirstSeed = 20_261_202;
    private const int ShortRunSchedules = 20;

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        if (int.TryParse(Environment.GetEnvironmentVariable("LOCKACTORS_SCHEDULE_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var replay))
        {
            data.Add(replay);
            return data;
        }

        var count = int.TryParse(Environment.GetEnvironmentVariable("LOCKACTORS_SCHEDULES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : ShortRunSchedules;
        for (var i = 0; i < count; i++)
        {
            data.Add(FirstSeed + i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds), DisableDiscoveryEnumeration = true)]
    public async Task Random_schedule_of_acquires_releases_cancels_crashes_and_store_faults_keeps_exclusion_token_order_liveness_and_leaves_no_sidecar(int seed)
    {
        output.WriteLine($"seed {seed} (replay: LOCKACTORS_SCHEDULE_SEED={seed} dotnet test tests/LockActors.Reliability --filter \"FullyQualifiedName~RandomScheduleTests\")");
        var runner = new ScheduleRunner(seed, output.WriteLine);
        await runner.RunAsync();
        Assert.True(runner.Violations.Count == 0, $"seed {seed}: {runner.Violations.Count} violation(s):{Environment.NewLine}{string.Join(Environment.NewLine, runner.Violations)}");
    }
}

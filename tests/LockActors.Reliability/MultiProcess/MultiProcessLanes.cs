using System.Globalization;

namespace LockActors.Reliability.MultiProcess;

/// <summary>
/// At most LOCKACTORS_MP_LANES (default 2) multi-process tests run at once, whatever xunit parallelises: each
/// starts several .NET processes, and on a 2-core box more at once starve renewals and turn load into lost leases.
/// </summary>
public static class MultiProcessLanes
{
    private static readonly SemaphoreSlim Lanes = new(
        int.TryParse(Environment.GetEnvironmentVariable("LOCKACTORS_MP_LANES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var lanes) && lanes > 0 ? lanes : 2);

    /// <summary>Waits for a lane; dispose the result to give it back.</summary>
    public static async Task<IDisposable> EnterAsync()
    {
        await Lanes.WaitAsync();
        return new Lane();
    }

    private sealed class Lane : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Lanes.Release();
            }
        }
    }
}

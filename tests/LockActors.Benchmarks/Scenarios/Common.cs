using Akka.Actor;
using LockActors.Benchmarks.Infrastructure;
using LockActors.Messages;

namespace LockActors.Benchmarks.Scenarios;

internal static class Common
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    /// <summary>One library acquire + release of <paramref name="uri"/> through the manager.</summary>
    public static async Task AcquireReleaseAsync(IActorRef manager, string uri)
    {
        var granted = await manager.Ask<LockGranted>(new Acquire(uri), AskTimeout).ConfigureAwait(false);
        await manager.Ask<LockReleased>(new Release(uri, granted.LockId), AskTimeout).ConfigureAwait(false);
    }

    /// <summary>The raw-Akka shape of the same: two Ask round trips through a routing manager to a per-target child.</summary>
    public static async Task RawAcquireReleaseAsync(IActorRef manager, string uri)
    {
        var granted = await manager.Ask<RawGranted>(new RawAcquire(uri), AskTimeout).ConfigureAwait(false);
        await manager.Ask<RawReleased>(new RawRelease(uri, granted.LockId), AskTimeout).ConfigureAwait(false);
    }

    /// <summary>Runs the library and baseline measurements in alternating order (run parity), returning both.</summary>
    public static async Task<(T Lib, T Base)> AlternateAsync<T>(int run, Func<Task<T>> lib, Func<Task<T>> baseline)
    {
        T l, b;
        if (run % 2 == 0)
        {
            b = await baseline().ConfigureAwait(false);
            Load.Settle();
            l = await lib().ConfigureAwait(false);
        }
        else
        {
            l = await lib().ConfigureAwait(false);
            Load.Settle();
            b = await baseline().ConfigureAwait(false);
        }

        Load.Settle();
        return (l, b);
    }
}

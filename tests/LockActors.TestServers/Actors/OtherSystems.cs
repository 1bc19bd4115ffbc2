using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace LockActors.TestServers.Actors;

/// <summary>
/// The extra actor systems a test starts beside its own ("other processes" on the same store): each started one is
/// remembered and terminated together, with a time limit, by <see cref="TerminateAll"/> or <see cref="DisposeAsync"/>.
/// </summary>
public sealed class OtherSystems : IAsyncDisposable
{
    private static readonly TimeSpan TerminateLimit = TimeSpan.FromSeconds(10);
    private readonly List<ActorSystem> _systems = [];

    /// <summary>How many systems were started.</summary>
    public int Count => _systems.Count;

    /// <summary>Starts a system named <paramref name="name"/> with <paramref name="config"/>.</summary>
    public ActorSystem Start(string name, Config config) => Track(ActorSystem.Create(name, config));

    /// <summary>Starts a system named <paramref name="name"/> with <paramref name="setup"/>.</summary>
    public ActorSystem Start(string name, ActorSystemSetup setup) => Track(ActorSystem.Create(name, setup));

    /// <summary>Terminates every started system, waiting up to 10 s each (for synchronous TestKit teardown).</summary>
    public void TerminateAll()
    {
        foreach (var system in _systems)
        {
            system.Terminate().Wait(TerminateLimit);
        }
    }

    /// <summary>Terminates every started system concurrently, waiting up to 10 s; a slow one is left behind, not awaited forever.</summary>
    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_systems.Select(s => s.Terminate().WaitAsync(TerminateLimit).ContinueWith(_ => { }, TaskScheduler.Default)));

    private ActorSystem Track(ActorSystem system)
    {
        _systems.Add(system);
        return system;
    }
}

// Runs one README sample that tests/consumers/readme-samples.sh extracted: `ReadmeSamples <kind> <name> [args...]`.
// A program gets the remaining args; a snippet gets an actor system whose file:// targets live in a fresh folder
// under the temp directory, a target URI there and the system's client. Exit code 0 = the sample completed.
using Akka.Actor;
using Akka.Configuration;
using LockActors;
using LockActors.Client;
using Microsoft.Extensions.DependencyInjection;

if (args.Length < 2 || !SampleTable.All.TryGetValue($"{args[0]} {args[1]}", out var sample))
{
    Console.Error.WriteLine($"usage: ReadmeSamples program|snippet <name>; known: {string.Join(", ", SampleTable.All.Keys)}");
    return 2;
}

await using var context = new SampleContext(args[2..]);
await sample(context);
return 0;

/// <summary>What a sample may use: a program its args; a snippet the values its marker names.</summary>
internal sealed class SampleContext(string[] args) : IAsyncDisposable
{
    private ActorSystem? _system;

    public string[] Args { get; } = args;

    public ActorSystem System => _system ??= ActorSystem.Create("readme-sample", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));

    public string Uri { get; } = new Uri(Path.Combine(Directory.CreateTempSubdirectory("readme-sample-").FullName, "data.csv")).AbsoluteUri;

    public LockClient Client => LockActorsExtension.Get(System).Client;

    public IServiceCollection Services { get; } = new ServiceCollection();

    public async ValueTask DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.Terminate();
        }
    }
}

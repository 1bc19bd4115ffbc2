// A consumer application built only from the packed LockActors packages (tests/consumers/run.sh).
// Usage: <consumer> file | s3. Takes a lock, checks it is held, releases it, checks it is free; exit code 0 = all true.
// s3 reads the Ceph RGW of tests/servers/ceph-rgw.sh from LOCKACTORS_S3_ENDPOINT, _BUCKET, _ACCESS_KEY, _SECRET_KEY.
using Akka.Actor;
using Akka.Configuration;
using LockActors;

var scheme = args.Length == 1 ? args[0] : throw new ArgumentException("usage: <consumer> file|s3");
var run = Guid.NewGuid().ToString("N");
var (target, hocon) = scheme switch
{
    "file" => (new Uri(Path.Combine(Directory.CreateTempSubdirectory("lockactors-consumer-").FullName, "data.csv")).AbsoluteUri, ""),
    "s3" => ($"s3://{Env("LOCKACTORS_S3_BUCKET")}/consumers/{run}/data.csv", $$"""
        lock-actors.stores.s3 {
          provider = "LockActors.S3.S3LockStoreProvider, LockActors.S3"
          service-url = "{{Env("LOCKACTORS_S3_ENDPOINT")}}"
          force-path-style = on
          access-key = "{{Env("LOCKACTORS_S3_ACCESS_KEY")}}"
          secret-key = "{{Env("LOCKACTORS_S3_SECRET_KEY")}}"
        }
        """),
    _ => throw new ArgumentException($"unknown scheme '{scheme}': file or s3"),
};

var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING\n" + hocon);
var system = ActorSystem.Create("consumer", config);
try
{
    var client = LockActorsExtension.Get(system).Client;
    await using (var handle = await client.AcquireAsync(target))
    {
        var held = await client.GetInfoAsync(target);
        Check(held.IsHeld && held.HeldLocally, $"acquired {handle.Target} (fencing token {handle.FencingToken}); held: {held.IsHeld}");
        await handle.ReleaseAsync();
    }

    var after = await client.GetInfoAsync(target);
    Check(!after.IsHeld, $"released; held: {after.IsHeld}");
    await using (var again = await client.TryAcquireAsync(target))
    {
        Check(again is not null, $"re-acquired at once (fencing token {again?.FencingToken})");
    }

    Console.WriteLine($"consumer {scheme}: OK");
    return 0;
}
catch (Exception e)
{
    Console.WriteLine($"consumer {scheme}: FAILED: {e}");
    return 1;
}
finally
{
    await system.Terminate();
}

static string Env(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set: start tests/servers/ceph-rgw.sh first");

static void Check(bool condition, string what)
{
    Console.WriteLine($"  {what}");
    if (!condition)
    {
        throw new InvalidOperationException($"check failed: {what}");
    }
}

using System.Text;
using LockActors.Storage;

namespace LockActors.TestServers.Backends;

/// <summary>
/// The four store primitives once each on one target (create, read, replace, delete, read again), each checked, for a
/// store-level test that runs in another process (e.g. under libfaketime). Throws on the first unexpected outcome.
/// </summary>
public static class StoreRoundTrip
{
    public static async Task<IReadOnlyList<string>> RunAsync(ILockStore store, LockTarget target, Action<string>? progress = null, CancellationToken ct = default)
    {
        var key = target.Sidecar;
        var steps = new StepList(progress);
        var first = Encoding.UTF8.GetBytes($"{{\"roundtrip\":\"create\",\"nonce\":\"{Guid.NewGuid():N}\"}}");
        var second = Encoding.UTF8.GetBytes($"{{\"roundtrip\":\"replace\",\"nonce\":\"{Guid.NewGuid():N}\"}}");

        var created = await store.TryCreateAsync(key, first, ct) ?? throw Fail("create found the key taken");
        steps.Add($"create {created.Value}");

        var read = await store.ReadAsync(key, ct) ?? throw Fail("read after create found nothing");
        Check(read.Version == created && read.Content.Span.SequenceEqual(first), "read after create returned another version or content");
        steps.Add($"read {read.Version.Value} modified={read.ModifiedAt:O} store-now={read.StoreNow:O}");

        var replaced = await store.TryReplaceAsync(key, second, created, ct) ?? throw Fail("replace of the current version was refused");
        Check(replaced != created, "replace returned the old version");
        steps.Add($"replace {replaced.Value}");

        var stale = await store.TryReplaceAsync(key, first, created, ct);
        Check(stale is null, "replace of an old version was accepted");
        steps.Add("replace-stale refused");

        var reread = await store.ReadAsync(key, ct) ?? throw Fail("read after replace found nothing");
        Check(reread.Version == replaced && reread.Content.Span.SequenceEqual(second), "read after replace returned another version or content");
        steps.Add($"read {reread.Version.Value}");

        Check(await store.TryDeleteAsync(key, replaced, ct), "delete of the current version was refused");
        steps.Add("delete");

        Check(await store.ReadAsync(key, ct) is null, "read after delete still found the sidecar");
        steps.Add("read absent");
        return steps;
    }

    /// <summary>The steps so far, each also handed to the progress callback as it completes.</summary>
    private sealed class StepList(Action<string>? progress) : List<string>
    {
        public new void Add(string step)
        {
            base.Add(step);
            progress?.Invoke(step);
        }
    }

    private static InvalidOperationException Fail(string message) => new("store round trip: " + message);

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw Fail(message);
        }
    }
}

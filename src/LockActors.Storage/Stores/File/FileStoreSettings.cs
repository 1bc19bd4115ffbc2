namespace LockActors.Storage.Stores.File;

/// <summary>Immutable settings of the <c>file://</c> store (HOCON <c>lock-actors.stores.file</c>).</summary>
/// <param name="Root">When set, only targets under this directory are accepted (defence in depth against traversal).</param>
/// <param name="CheckAndWriteTimeout">How long a replace or delete waits for another process's check-and-write to finish.</param>
public sealed record FileStoreSettings(string? Root = null, TimeSpan? CheckAndWriteTimeout = null)
{
    /// <summary>The defaults: no root restriction, 5 s check-and-write timeout.</summary>
    public static FileStoreSettings Default { get; } = new();

    /// <summary>The effective check-and-write timeout.</summary>
    public TimeSpan EffectiveCheckAndWriteTimeout => CheckAndWriteTimeout ?? TimeSpan.FromSeconds(5);

    /// <summary>A copy restricted to <paramref name="root"/>.</summary>
    public FileStoreSettings WithRoot(string? root) => this with { Root = root };
}

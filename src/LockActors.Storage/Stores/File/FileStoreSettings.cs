namespace LockActors.Storage.Stores.File;

/// <summary>
/// Immutable settings of the <c>file://</c> store (HOCON <c>lock-actors.stores.file</c>). Start from
/// <see cref="Default"/>; every <c>With*</c> copy is validated, so every instance is usable (an invalid value throws
/// <see cref="ArgumentException"/> naming its HOCON key).
/// </summary>
public sealed record FileStoreSettings
{
    private FileStoreSettings()
    {
    }

    /// <summary>The defaults: no root restriction, 5 s check-and-write timeout.</summary>
    public static FileStoreSettings Default { get; } = new FileStoreSettings().Validated();

    /// <summary>When set, only targets under this directory are accepted (defence in depth against traversal).</summary>
    public string? Root { get; private init; }

    /// <summary>How long a replace or delete waits for another process's check-and-write to finish.</summary>
    public TimeSpan CheckAndWriteTimeout { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>A copy restricted to <paramref name="root"/> (null or empty: no restriction).</summary>
    public FileStoreSettings WithRoot(string? root) => (this with { Root = string.IsNullOrWhiteSpace(root) ? null : root }).Validated();

    /// <summary>A copy with another check-and-write timeout.</summary>
    public FileStoreSettings WithCheckAndWriteTimeout(TimeSpan timeout) => (this with { CheckAndWriteTimeout = timeout }).Validated();

    /// <summary>The one place the settings are checked; every way of making them ends here.</summary>
    private FileStoreSettings Validated() =>
        CheckAndWriteTimeout > TimeSpan.Zero
            ? this
            : throw new ArgumentException($"check-and-write-timeout must be positive, not {CheckAndWriteTimeout}.", "check-and-write-timeout");
}

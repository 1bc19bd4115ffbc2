namespace LockActors;

/// <summary>
/// A configuration value is missing or invalid (HOCON or Hosting options). Raised when the settings are read, before
/// any lock is taken; <see cref="Key"/> names the offending key.
/// </summary>
public sealed class LockConfigurationException(string key, string message, Exception? inner = null)
    : LockException(null, message, inner)
{
    /// <summary>The full HOCON path of the key, e.g. <c>lock-actors.default-ttl</c>.</summary>
    public string Key { get; } = key;
}

using Akka.Configuration;
using LockActors.Storage.Backends;

namespace LockActors.Configuration;

/// <summary>
/// Shared pieces of every backend's HOCON reader (<c>&lt;B&gt;StoreConfig</c>): build the settings through their
/// <c>With*</c> copies inside <see cref="Read{T}"/>, so an invalid value fails with the key's full path.
/// </summary>
public static class StoreSectionReader
{
    /// <summary>
    /// Runs <paramref name="read"/>; an <see cref="ArgumentException"/> it throws (the settings name the offending key
    /// relative to the section) becomes a <see cref="LockConfigurationException"/> keyed by the full path, e.g.
    /// <c>lock-actors.stores.s3.request-timeout</c>.
    /// </summary>
    /// <exception cref="LockConfigurationException">A value in the section is invalid.</exception>
    public static T Read<T>(string path, Config section, Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException or FormatException)
        {
            if (e is not ArgumentException { ParamName: { Length: > 0 } name })
            {
                throw new LockConfigurationException(path, $"{path}: {e.Message}", e);
            }

            // The settings name the key relative to the section ("request-timeout must be positive…").
            var relative = name.StartsWith(path + ".", StringComparison.Ordinal) ? name[(path.Length + 1)..] : name;
            var message = e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal);
            var key = $"{path}.{relative}";
            throw new LockConfigurationException(key, message.StartsWith(relative, StringComparison.Ordinal) ? $"{path}.{message}" : $"{key}: {message}", e);
        }
    }

    /// <summary>Reads <paramref name="key"/> as a member of <typeparamref name="T"/> (case-insensitive, names only).</summary>
    /// <exception cref="ArgumentException">Not one of <paramref name="allowed"/>.</exception>
    public static T Enum<T>(Config section, string key, string fallback, string allowed)
        where T : struct, System.Enum
    {
        ArgumentNullException.ThrowIfNull(section);
        var text = section.GetString(key, fallback).Trim();
        return System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _)
            ? value
            : throw new ArgumentException($"{key} must be {allowed}, not '{text}'.", key);
    }

    /// <summary>Reads the section's <c>retry { max-attempts, initial-backoff, max-backoff }</c> block over <paramref name="defaults"/>.</summary>
    public static RetryPolicy Retry(Config section, RetryPolicy defaults)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(defaults);
        return defaults
            .WithMaxAttempts(section.GetInt("retry.max-attempts", defaults.MaxAttempts))
            .WithBackoff(section.GetTimeSpan("retry.initial-backoff", defaults.InitialBackoff), section.GetTimeSpan("retry.max-backoff", defaults.MaxBackoff));
    }
}

using Akka.Configuration;

namespace LockActors.Configuration;

/// <summary>
/// The one place configuration errors are made, so every one names its full HOCON key (for example
/// <c>lock-actors.stores.file.root</c>) in the same way: the message starts with the key, and the key is carried on the
/// exception.
/// </summary>
internal static class ConfigErrors
{
    /// <summary>An error about <paramref name="key"/> (its full HOCON path); <paramref name="message"/> continues the sentence after the key.</summary>
    public static LockConfigurationException Invalid(string key, string message, Exception? inner = null) =>
        new(key, $"{key} {message}", inner);

    /// <summary>
    /// Reads <paramref name="key"/> of <paramref name="section"/> with <paramref name="read"/>; a value that does not parse
    /// fails as <see cref="Invalid"/> for <paramref name="fullKey"/>, quoting the value.
    /// </summary>
    public static T Read<T>(Config section, string key, string fullKey, Func<string, T> read)
    {
        try
        {
            return read(key);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or ConfigurationException or NotSupportedException)
        {
            // NotSupportedException: Akka's GetBoolean on a word that is not on/off/true/false/yes/no.
            var reason = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : e.Message;
            throw Invalid(fullKey, $"has an invalid value '{section.GetString(key)}': {reason}", e);
        }
    }
}

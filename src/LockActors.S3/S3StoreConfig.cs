using Akka.Configuration;
using LockActors.Storage;

namespace LockActors.S3;

/// <summary>Maps <c>lock-actors.stores.s3</c> onto <see cref="S3StoreSettings"/>.</summary>
internal static class S3StoreConfig
{
    public static S3StoreSettings Read(Config section)
    {
        var defaults = S3StoreSettings.Default;
        var accessKey = Optional(section.GetString("access-key", string.Empty));
        var secretKey = Optional(section.GetString("secret-key", string.Empty));
        var settings = defaults with
        {
            Region = section.GetString("region", defaults.Region),
            ServiceUrl = Optional(section.GetString("service-url", string.Empty)),
            ForcePathStyle = section.GetBoolean("force-path-style", defaults.ForcePathStyle),
            AccessKey = accessKey,
            SecretKey = secretKey,
            SessionToken = Optional(section.GetString("session-token", string.Empty)),
            Probe = Enum<S3ProbeMode>(section, "probe", "strict", "strict | warn | off"),
            ConditionalDelete = Enum<S3ConditionalDeleteMode>(section, "conditional-delete", "auto", "auto | native | tombstone"),
            RequestTimeout = section.GetTimeSpan("request-timeout", defaults.RequestTimeout),
            ConnectTimeout = section.GetTimeSpan("connect-timeout", defaults.ConnectTimeout),
            ReadRetries = section.GetInt("read-retries", defaults.ReadRetries),
            UnknownOutcomeAttempts = section.GetInt("unknown-outcome-attempts", defaults.UnknownOutcomeAttempts),
            RetryBackoff = section.GetTimeSpan("retry-backoff", defaults.RetryBackoff),
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"lock-actors.stores.s3: {e.Message}", "lock-actors.stores.s3", e);
        }

        return settings;
    }

    private static string? Optional(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static T Enum<T>(Config section, string key, string fallback, string allowed)
        where T : struct, System.Enum
    {
        var text = section.GetString(key, fallback).Trim();
        return System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _)
            ? value
            : throw new ArgumentException($"lock-actors.stores.s3.{key} must be {allowed}, not '{text}'.", "lock-actors.stores.s3." + key);
    }
}

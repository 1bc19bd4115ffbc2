using Akka.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.S3;

namespace LockActors.Configuration.Stores;

/// <summary>Maps <c>lock-actors.stores.s3</c> onto <see cref="S3StoreSettings"/>.</summary>
internal static class S3StoreConfig
{
    public static S3StoreSettings Read(Config stores)
    {
        var defaults = S3StoreSettings.Default;
        var accessKey = Optional(stores.GetString("s3.access-key", string.Empty));
        var secretKey = Optional(stores.GetString("s3.secret-key", string.Empty));
        var settings = defaults with
        {
            Region = stores.GetString("s3.region", defaults.Region),
            ServiceUrl = Optional(stores.GetString("s3.service-url", string.Empty)),
            ForcePathStyle = stores.GetBoolean("s3.force-path-style", defaults.ForcePathStyle),
            AccessKey = accessKey,
            SecretKey = secretKey,
            SessionToken = Optional(stores.GetString("s3.session-token", string.Empty)),
            Probe = Enum<S3ProbeMode>(stores, "probe", "strict", "strict | warn | off"),
            ConditionalDelete = Enum<S3ConditionalDeleteMode>(stores, "conditional-delete", "auto", "auto | native | tombstone"),
            RequestTimeout = stores.GetTimeSpan("s3.request-timeout", defaults.RequestTimeout),
            ConnectTimeout = stores.GetTimeSpan("s3.connect-timeout", defaults.ConnectTimeout),
            ReadRetries = stores.GetInt("s3.read-retries", defaults.ReadRetries),
            UnknownOutcomeAttempts = stores.GetInt("s3.unknown-outcome-attempts", defaults.UnknownOutcomeAttempts),
            RetryBackoff = stores.GetTimeSpan("s3.retry-backoff", defaults.RetryBackoff),
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"lock-actors.stores.s3: {e.Message}", "stores.s3", e);
        }

        return settings;
    }

    public static void Register(LockStoreRegistry registry, Config stores)
    {
        var settings = Read(stores);
        registry.Register("s3", () => new S3LockStore(settings));
    }

    private static string? Optional(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static T Enum<T>(Config stores, string key, string fallback, string allowed)
        where T : struct, System.Enum
    {
        var text = stores.GetString("s3." + key, fallback).Trim();
        return System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _)
            ? value
            : throw new ArgumentException($"lock-actors.stores.s3.{key} must be {allowed}, not '{text}'.", "stores.s3." + key);
    }
}

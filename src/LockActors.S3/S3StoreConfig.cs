using Akka.Configuration;
using LockActors.Configuration;

namespace LockActors.S3;

/// <summary>Maps <c>lock-actors.stores.s3</c> onto <see cref="S3StoreSettings"/>, through its <c>With*</c> copies only.</summary>
internal static class S3StoreConfig
{
    private const string Path = "lock-actors.stores.s3";

    public static S3StoreSettings Read(Config section) => StoreSectionReader.Read(Path, section, () =>
    {
        var defaults = S3StoreSettings.Default;
        var settings = defaults
            .WithRegion(section.GetString("region", defaults.Region))
            .WithServiceUrl(Optional(section.GetString("service-url", string.Empty)), section.GetBoolean("force-path-style", defaults.ForcePathStyle))
            .WithProbe(StoreSectionReader.Enum<S3ProbeMode>(section, "probe", "strict", "strict | warn | off"))
            .WithConditionalDelete(StoreSectionReader.Enum<S3ConditionalDeleteMode>(section, "conditional-delete", "auto", "auto | native | tombstone"))
            .WithTimeouts(section.GetTimeSpan("request-timeout", defaults.RequestTimeout), section.GetTimeSpan("connect-timeout", defaults.ConnectTimeout))
            .WithRetry(StoreSectionReader.Retry(section, defaults.Retry));
        var accessKey = Optional(section.GetString("access-key", string.Empty));
        var secretKey = Optional(section.GetString("secret-key", string.Empty));
        return accessKey is null && secretKey is null
            ? settings
            : settings.WithCredentials(accessKey ?? string.Empty, secretKey ?? string.Empty, Optional(section.GetString("session-token", string.Empty)));
    });

    private static string? Optional(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

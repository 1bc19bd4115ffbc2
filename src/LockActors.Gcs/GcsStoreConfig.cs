using Akka.Configuration;
using LockActors.Storage;

namespace LockActors.Gcs;

/// <summary>Maps <c>lock-actors.stores.gs</c> onto <see cref="GcsStoreSettings"/>.</summary>
internal static class GcsStoreConfig
{
    public static GcsStoreSettings Read(Config section)
    {
        var defaults = GcsStoreSettings.Default;
        try
        {
            var endpoint = section.GetString("endpoint", string.Empty);
            var retry = new GcsRetryPolicy(
                section.GetInt("retry.max-attempts", defaults.Retry.MaxAttempts),
                section.GetTimeSpan("retry.initial-backoff", defaults.Retry.InitialBackoff),
                section.GetTimeSpan("retry.max-backoff", defaults.Retry.MaxBackoff));
            return new GcsStoreSettings(
                string.IsNullOrWhiteSpace(endpoint) ? null : new Uri(endpoint, UriKind.Absolute),
                Credentials(section),
                section.GetTimeSpan("request-timeout", defaults.RequestTimeout),
                retry);
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException)
        {
            throw new ArgumentException($"lock-actors.stores.gs: {e.Message}", "lock-actors.stores.gs", e);
        }
    }

    private static GcsCredentials Credentials(Config section)
    {
        var kind = section.GetString("credentials", "application-default").Trim().ToLowerInvariant();
        var file = section.GetString("service-account-file", string.Empty);
        var token = section.GetString("access-token", string.Empty);
        return kind switch
        {
            "application-default" => GcsCredentials.ApplicationDefault(),
            "service-account-file" when !string.IsNullOrWhiteSpace(file) => GcsCredentials.FromServiceAccountFile(file),
            "service-account-file" => throw new ArgumentException("credentials = service-account-file needs service-account-file = \"/path/key.json\"."),
            "access-token" when !string.IsNullOrEmpty(token) => GcsCredentials.FromAccessToken(token),
            "access-token" => throw new ArgumentException("credentials = access-token needs access-token = \"...\"."),
            "none" => GcsCredentials.None,
            _ => throw new ArgumentException($"credentials must be application-default | service-account-file | access-token | none, not '{kind}'."),
        };
    }
}

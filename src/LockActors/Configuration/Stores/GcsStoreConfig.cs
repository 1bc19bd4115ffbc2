using Akka.Configuration;
using LockActors.Storage;
using LockActors.Storage.Stores.Gcs;

namespace LockActors.Configuration.Stores;

/// <summary>Maps <c>lock-actors.stores.gs</c> onto <see cref="GcsStoreSettings"/>.</summary>
internal static class GcsStoreConfig
{
    public static GcsStoreSettings Read(Config stores)
    {
        var defaults = GcsStoreSettings.Default;
        try
        {
            var endpoint = stores.GetString("gs.endpoint", string.Empty);
            var retry = new GcsRetryPolicy(
                stores.GetInt("gs.retry.max-attempts", defaults.Retry.MaxAttempts),
                stores.GetTimeSpan("gs.retry.initial-backoff", defaults.Retry.InitialBackoff),
                stores.GetTimeSpan("gs.retry.max-backoff", defaults.Retry.MaxBackoff));
            return new GcsStoreSettings(
                string.IsNullOrWhiteSpace(endpoint) ? null : new Uri(endpoint, UriKind.Absolute),
                Credentials(stores),
                stores.GetTimeSpan("gs.request-timeout", defaults.RequestTimeout),
                retry);
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException)
        {
            throw new ArgumentException($"lock-actors.stores.gs: {e.Message}", "stores.gs", e);
        }
    }

    public static void Register(LockStoreRegistry registry, Config stores)
    {
        var settings = Read(stores);
        registry.Register("gs", () => new GcsLockStore(settings));
    }

    private static GcsCredentials Credentials(Config stores)
    {
        var kind = stores.GetString("gs.credentials", "application-default").Trim().ToLowerInvariant();
        var file = stores.GetString("gs.service-account-file", string.Empty);
        var token = stores.GetString("gs.access-token", string.Empty);
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

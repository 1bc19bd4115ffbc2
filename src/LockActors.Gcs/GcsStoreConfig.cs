using Akka.Configuration;
using LockActors.Configuration;

namespace LockActors.Gcs;

/// <summary>Maps <c>lock-actors.stores.gs</c> onto <see cref="GcsStoreSettings"/>, through its <c>With*</c> copies only.</summary>
internal static class GcsStoreConfig
{
    private const string Path = "lock-actors.stores.gs";

    public static GcsStoreSettings Read(Config section) => StoreSectionReader.Read(Path, section, () =>
    {
        var defaults = GcsStoreSettings.Default;
        var endpoint = section.GetString("endpoint", string.Empty);
        var settings = string.IsNullOrWhiteSpace(endpoint) ? defaults : defaults.WithEndpoint(new Uri(endpoint, UriKind.Absolute));
        return settings
            .WithCredentials(Credentials(section))
            .WithRequestTimeout(section.GetTimeSpan("request-timeout", defaults.RequestTimeout))
            .WithRetry(StoreSectionReader.Retry(section, defaults.Retry));
    });

    private static GcsCredentials Credentials(Config section)
    {
        var kind = section.GetString("credentials", "application-default").Trim().ToLowerInvariant();
        var file = section.GetString("service-account-file", string.Empty);
        var token = section.GetString("access-token", string.Empty);
        return kind switch
        {
            "application-default" => GcsCredentials.ApplicationDefault(),
            "service-account-file" when !string.IsNullOrWhiteSpace(file) => GcsCredentials.FromServiceAccountFile(file),
            "service-account-file" => throw new ArgumentException("credentials = service-account-file needs service-account-file = \"/path/key.json\".", "service-account-file"),
            "access-token" when !string.IsNullOrEmpty(token) => GcsCredentials.FromAccessToken(token),
            "access-token" => throw new ArgumentException("credentials = access-token needs access-token = \"...\".", "access-token"),
            "none" => GcsCredentials.None,
            _ => throw new ArgumentException($"credentials must be application-default | service-account-file | access-token | none, not '{kind}'.", "credentials"),
        };
    }
}

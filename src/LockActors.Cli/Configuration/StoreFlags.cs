namespace LockActors.Cli.Configuration;

/// <summary>The store settings lockctl accepts as flags and environment variables; anything else goes in <c>--config</c> or <c>--set</c>.</summary>
internal static class StoreFlags
{
    /// <summary>S3 endpoint; when set without <see cref="S3PathStyle"/>, path-style addressing is turned on (as <c>S3StoreSettings.WithServiceUrl</c> does).</summary>
    public static readonly StoreFlag S3Endpoint = new("--s3-endpoint", "LOCKCTL_S3_ENDPOINT", "lock-actors.stores.s3.service-url", "S3-compatible endpoint URL (empty = AWS)");

    /// <summary>Path-style addressing on or off.</summary>
    public static readonly StoreFlag S3PathStyle = new("--s3-path-style", "LOCKCTL_S3_PATH_STYLE", "lock-actors.stores.s3.force-path-style", "Path-style bucket addressing: on | off");

    /// <summary>Every flag, in help order.</summary>
    public static readonly IReadOnlyList<StoreFlag> All =
    [
        S3Endpoint,
        new("--s3-region", "LOCKCTL_S3_REGION", "lock-actors.stores.s3.region", "S3 signing region"),
        new("--s3-access-key", "LOCKCTL_S3_ACCESS_KEY", "lock-actors.stores.s3.access-key", "S3 access key (empty = the AWS SDK default chain)"),
        new("--s3-secret-key", "LOCKCTL_S3_SECRET_KEY", "lock-actors.stores.s3.secret-key", "S3 secret key (prefer the environment variable: flags show in ps)"),
        S3PathStyle,
        new("--gcs-endpoint", "LOCKCTL_GCS_ENDPOINT", "lock-actors.stores.gs.endpoint", "GCS JSON API base URL (an emulator)"),
        new("--gcs-credentials", "LOCKCTL_GCS_CREDENTIALS", "lock-actors.stores.gs.credentials", "application-default | service-account-file | access-token | none"),
        new("--gcs-key-file", "LOCKCTL_GCS_KEY_FILE", "lock-actors.stores.gs.service-account-file", "GCS service-account JSON key file"),
        new("--sftp-user", "LOCKCTL_SFTP_USER", "lock-actors.stores.sftp.username", "SFTP login when the URI has no user@"),
        new("--sftp-key-file", "LOCKCTL_SFTP_KEY_FILE", "lock-actors.stores.sftp.private-key-file", "SFTP private key file"),
        new("--sftp-host-key", "LOCKCTL_SFTP_HOST_KEY", "lock-actors.stores.sftp.host-key-sha256", "Pinned SFTP host key (SHA256:... as printed by ssh-keygen -lf)"),
        new("--owner", "LOCKCTL_OWNER", "lock-actors.owner-id", "Owner id written into sidecars this process creates (default <host>/<pid>)"),
    ];
}

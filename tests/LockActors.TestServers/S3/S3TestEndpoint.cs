namespace LockActors.TestServers.S3;

/// <summary>The Ceph RGW started by tests/servers/ceph-rgw.sh (missing → loud failure, never a silent pass).</summary>
public static class S3TestEndpoint
{
    private const string Server = "Ceph RGW (tests/servers/ceph-rgw.sh)";

    public static string Endpoint => TestEnvironment.Require("LOCKACTORS_S3_ENDPOINT", Server);

    public static string Bucket => TestEnvironment.Require("LOCKACTORS_S3_BUCKET", Server);

    /// <summary>The <c>lock-actors.stores.s3</c> block for <paramref name="serviceUrl"/> with the test credentials.</summary>
    public static string Hocon(string serviceUrl, string extra = "") => $$"""
        lock-actors.stores.s3 {
          provider = "LockActors.S3.S3LockStoreProvider, LockActors.S3"
          service-url = "{{serviceUrl}}"
          force-path-style = on
          access-key = "{{TestEnvironment.Require("LOCKACTORS_S3_ACCESS_KEY", Server)}}"
          secret-key = "{{TestEnvironment.Require("LOCKACTORS_S3_SECRET_KEY", Server)}}"
          {{extra}}
        }
        """;
}

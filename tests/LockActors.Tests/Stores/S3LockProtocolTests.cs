using LockActors.Tests.Protocol;
using LockActors.TestServers;
using Xunit.Abstractions;

namespace LockActors.Tests.Stores;

/// <summary>The actor-level suite on s3:// targets in Ceph RGW (strict probe; auto conditional delete = tombstones there).</summary>
public sealed class S3LockProtocolTests(ITestOutputHelper output) : LockProtocolSuite(Backend, output)
{
    internal static readonly StoreUnderTest Backend = new(
        "s3",
        S3.S3TestEndpoint.Hocon(S3.S3TestEndpoint.Endpoint),
        name => $"s3://{S3.S3TestEndpoint.Bucket}/protocol/{Guid.NewGuid():N}/{name}",
        // RGW timestamps have 1 s resolution, and under the full parallel test run a loopback RGW on 2 busy cores
        // stalls for over a second at times: 5 s keeps renewals (every 1.7 s) clear of both.
        TimeSpan.FromSeconds(5));
}

using System.Net;
using System.Text;
using LockActors.S3;
using Xunit;

namespace LockActors.S3.Tests;

/// <summary>
/// How often a request refused for clock skew is re-sent, against a scripted endpoint (no server needed; the real
/// skewed host against Ceph RGW is LockActors.Reliability's S3ClockSkewStoreTests). Each test has its own endpoint
/// URL: the AWS SDK keeps learned clock offsets in a process-wide table keyed by endpoint.
/// </summary>
public sealed class S3ClockSkewTests
{
    [Fact]
    public async Task A_skew_refusal_is_resent_exactly_once_then_reported_as_access_denied_naming_the_skew()
    {
        var server = new SkewRefusingServer(serverAhead: TimeSpan.FromHours(1));
        await using var store = NewStore(server);
        var error = await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.ReadAsync(Key()));
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains("RequestTimeTooSkewed", error.Message, StringComparison.Ordinal);
        Assert.Contains("clock", error.Message, StringComparison.Ordinal);

        // The re-send was signed with the server's time the SDK learned from the refusal's Date, not this host's.
        var signed = server.Requests.Select(r => DateTime.ParseExact(r, "yyyyMMdd'T'HHmmss'Z'", null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal)).ToArray();
        Assert.True((signed[0] - DateTime.UtcNow).Duration() < TimeSpan.FromMinutes(2), $"first request signed at {signed[0]:O}");
        Assert.True((signed[1] - DateTime.UtcNow.AddHours(1)).Duration() < TimeSpan.FromMinutes(2), $"re-send signed at {signed[1]:O}");
    }

    [Fact]
    public async Task A_skew_error_code_without_a_measurable_skew_is_not_resent()
    {
        var server = new SkewRefusingServer(serverAhead: TimeSpan.Zero);
        await using var store = NewStore(server);
        await Assert.ThrowsAsync<StoreAccessDeniedException>(() => store.ReadAsync(Key()));
        Assert.Single(server.Requests);
    }

    private static S3LockStore NewStore(SkewRefusingServer server) => new(
        S3StoreSettings.Default.WithServiceUrl($"http://skew-{Guid.NewGuid():N}.invalid").WithCredentials("AK", "SK").WithProbe(S3ProbeMode.Off),
        warn: null, clock: null, transport: server);

    private static SidecarKey Key() => LockTarget.Parse("s3://bucket/skew/a.csv").Sidecar;

    /// <summary>Answers every request 403 RequestTimeTooSkewed with a <c>Date</c> <paramref name="serverAhead"/> of this host's clock.</summary>
    private sealed class SkewRefusingServer(TimeSpan serverAhead) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request.Headers.GetValues("X-Amz-Date").Single());
            }

            var response = new HttpResponseMessage(HttpStatusCode.Forbidden)
            {
                Content = new StringContent(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>RequestTimeTooSkewed</Code>" +
                    "<Message>The difference between the request time and the server's time is too large.</Message><RequestId>r</RequestId></Error>",
                    Encoding.UTF8,
                    "application/xml"),
                RequestMessage = request,
            };
            response.Headers.Date = DateTimeOffset.UtcNow + serverAhead;
            return Task.FromResult(response);
        }
    }
}

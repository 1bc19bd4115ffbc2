using System.Globalization;
using System.Text;

namespace LockActors.Tests.Safety;

/// <summary>Raw sidecar JSON as another (hostile, crashed or foreign) process would have written it.</summary>
internal static class SidecarJson
{
    /// <summary>A well-formed version-1 sidecar, fields in the codec's order; a null optional field is left out.</summary>
    public static string Of(
        string lockId,
        long ttlMs,
        long token,
        string? ownerId = null,
        string? hostname = "elsewhere",
        long? pid = 1,
        string createdAt = "2026-01-01T00:00:00Z")
    {
        var json = new StringBuilder();
        json.Append(CultureInfo.InvariantCulture, $"{{\"v\":1,\"lockId\":\"{lockId}\"");
        if (ownerId is not null)
        {
            json.Append(CultureInfo.InvariantCulture, $",\"ownerId\":\"{ownerId}\"");
        }

        if (hostname is not null)
        {
            json.Append(CultureInfo.InvariantCulture, $",\"hostname\":\"{hostname}\"");
        }

        if (pid is not null)
        {
            json.Append(CultureInfo.InvariantCulture, $",\"pid\":{pid}");
        }

        json.Append(CultureInfo.InvariantCulture, $",\"createdAt\":\"{createdAt}\",\"ttlMs\":{ttlMs},\"fencingToken\":{token}}}");
        return json.ToString();
    }
}

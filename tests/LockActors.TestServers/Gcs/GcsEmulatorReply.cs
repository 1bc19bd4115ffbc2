using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LockActors.TestServers.Gcs;

/// <summary>A fully computed HTTP reply; kept separate from writing it so a fault can replace it after the write applied.</summary>
internal sealed record GcsEmulatorReply(int StatusCode, byte[] Body, string ContentType, IReadOnlyDictionary<string, string> Headers)
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    // JsonNode, not reflection serialisation: the emulator also runs in trimmed/AOT hosts (e.g. `dotnet run app.cs`).
    public static GcsEmulatorReply Json(JsonNode payload, int statusCode = 200) =>
        new(statusCode, Encoding.UTF8.GetBytes(payload.ToJsonString()), "application/json; charset=UTF-8", NoHeaders);

    public static GcsEmulatorReply Empty(int statusCode = 204) => new(statusCode, [], "text/plain", NoHeaders);

    /// <summary>The JSON API error shape: <c>{"error":{"code","message","errors":[{"domain","reason","message",…}]}}</c>.</summary>
    public static GcsEmulatorReply Error(int statusCode, string reason, string message, string? location = null)
    {
        var item = new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason };
        if (location is not null)
        {
            item["locationType"] = "header";
            item["location"] = location;
        }

        return Json(new JsonObject { ["error"] = new JsonObject { ["code"] = statusCode, ["message"] = message, ["errors"] = new JsonArray(item) } }, statusCode);
    }

    public static GcsEmulatorReply ConditionNotMet() =>
        Error(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.", "If-Match");

    public static GcsEmulatorReply NoSuchBucket() => Error(404, "notFound", "The specified bucket does not exist.");

    public static GcsEmulatorReply NoSuchObject(string bucket, string name) => Error(404, "notFound", $"No such object: {bucket}/{name}");

    public static GcsEmulatorReply BadRequest(string message) => Error(400, "invalid", message);

    public static GcsEmulatorReply Unauthorized() =>
        Error(401, "required", "Anonymous caller does not have storage.objects.get access, or the credentials are invalid.", "Authorization");

    public static GcsEmulatorReply Fault(int statusCode) =>
        statusCode == 429
            ? Error(429, "rateLimitExceeded", "The object exceeded the rate limit for object mutation operations (injected).")
            : Error(statusCode, "backendError", $"Injected fault {statusCode.ToString(CultureInfo.InvariantCulture)}.");

    public static GcsEmulatorReply Media(EmulatedObject o) => new(200, o.Content, o.ContentType, new Dictionary<string, string>
    {
        ["x-goog-generation"] = o.Generation.ToString(CultureInfo.InvariantCulture),
        ["x-goog-metageneration"] = o.Metageneration.ToString(CultureInfo.InvariantCulture),
        ["x-goog-stored-content-length"] = o.Content.Length.ToString(CultureInfo.InvariantCulture),
        ["x-goog-hash"] = "md5=" + o.Md5Base64,
        ["ETag"] = EtagOf(o),
        ["Last-Modified"] = o.Updated.ToString("R", CultureInfo.InvariantCulture),
    });

    public static JsonObject Resource(EmulatedObject o, string baseUrl)
    {
        var id = $"{o.Bucket}/{o.Name}/{o.Generation.ToString(CultureInfo.InvariantCulture)}";
        var self = $"{baseUrl}/storage/v1/b/{Uri.EscapeDataString(o.Bucket)}/o/{Uri.EscapeDataString(o.Name)}";
        var metadata = new JsonObject();
        foreach (var (k, v) in o.Metadata)
        {
            metadata[k] = v;
        }

        return new JsonObject
        {
            ["kind"] = "storage#object",
            ["id"] = id,
            ["selfLink"] = self,
            ["mediaLink"] = $"{baseUrl}/download/storage/v1/b/{Uri.EscapeDataString(o.Bucket)}/o/{Uri.EscapeDataString(o.Name)}?generation={o.Generation.ToString(CultureInfo.InvariantCulture)}&alt=media",
            ["name"] = o.Name,
            ["bucket"] = o.Bucket,
            ["generation"] = o.Generation.ToString(CultureInfo.InvariantCulture),
            ["metageneration"] = o.Metageneration.ToString(CultureInfo.InvariantCulture),
            ["contentType"] = o.ContentType,
            ["storageClass"] = "STANDARD",
            ["size"] = o.Content.Length.ToString(CultureInfo.InvariantCulture),
            ["md5Hash"] = o.Md5Base64,
            ["etag"] = EtagOf(o),
            ["timeCreated"] = Rfc3339(o.TimeCreated),
            ["updated"] = Rfc3339(o.Updated),
            ["metadata"] = metadata,
        };
    }

    public static JsonObject Resource(EmulatedBucket b) => new()
    {
        ["kind"] = "storage#bucket",
        ["id"] = b.Name,
        ["name"] = b.Name,
        ["metageneration"] = "1",
        ["location"] = "US",
        ["storageClass"] = "STANDARD",
        ["timeCreated"] = Rfc3339(b.TimeCreated),
        ["updated"] = Rfc3339(b.TimeCreated),
    };

    public static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string EtagOf(EmulatedObject o) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{o.Generation}/{o.Metageneration}"));
}

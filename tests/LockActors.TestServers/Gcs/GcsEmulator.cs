using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace LockActors.TestServers.Gcs;

/// <summary>
/// An in-process emulator of the part of the Google Cloud Storage JSON API the <c>gs://</c> store uses, built from
/// Google's documented semantics: bucket insert/get; media and multipart upload; object get (metadata and
/// <c>alt=media</c>), patch, delete and list by prefix; the preconditions <c>ifGenerationMatch</c>,
/// <c>ifGenerationNotMatch</c>, <c>ifMetagenerationMatch</c>, <c>ifMetagenerationNotMatch</c> (412
/// <c>conditionNotMet</c>); 404 for a missing bucket or object; strictly growing generations; <c>updated</c>
/// timestamps and a <c>Date</c> header. Every check-and-set is atomic (one lock).
/// </summary>
/// <remarks>
/// Test hooks: <see cref="Faults"/> (injected 5xx/429/dropped connections/delays, before or after the write applies),
/// <see cref="StopAsync"/> / <see cref="StartAsync"/> (server down while clients hold locks; state survives, the port
/// is kept), <see cref="RequiredBearerToken"/> (reject other credentials with 401), and request counters.
/// It is not Google's service: behaviour verified here is behaviour of this emulator.
/// </remarks>
public sealed class GcsEmulator : IAsyncDisposable
{
    private readonly GcsEmulatorBackend _backend;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private int _port;
    private long _requests;

    /// <summary>Creates a stopped emulator; <paramref name="port"/> 0 picks a free port on first start.</summary>
    public GcsEmulator(int port = 0, TimeProvider? clock = null)
    {
        _port = port;
        _backend = new GcsEmulatorBackend(clock ?? TimeProvider.System);
    }

    /// <summary>The base URL (<c>http://127.0.0.1:port</c>) to use as the store endpoint; valid after the first start.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>True while the server accepts connections.</summary>
    public bool IsRunning => _app is not null;

    /// <summary>Fault injection hooks.</summary>
    public GcsEmulatorFaults Faults { get; } = new();

    /// <summary>When set, every request must carry <c>Authorization: Bearer &lt;token&gt;</c>; others get 401.</summary>
    public string? RequiredBearerToken { get; set; }

    /// <summary>Whether media downloads carry <c>Last-Modified</c> (as GCS does); false mimics a proxy that strips it.</summary>
    public bool SendLastModified { get; set; } = true;

    /// <summary>Whether media downloads carry <c>x-goog-generation</c> and the other <c>x-goog-*</c> headers (as GCS does).</summary>
    public bool SendGenerationHeaders { get; set; } = true;

    /// <summary>Requests received since start or the last <see cref="ResetCounters"/> (faulted ones included).</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>The requests received since the last <see cref="ResetCounters"/>, as <c>"METHOD /raw/target"</c>.</summary>
    public IReadOnlyList<string> RequestLog => _log.ToArray();

    /// <summary>Zeroes <see cref="RequestCount"/> and clears <see cref="RequestLog"/>.</summary>
    public void ResetCounters()
    {
        Interlocked.Exchange(ref _requests, 0);
        _log.Clear();
    }

    /// <summary>Creates a bucket directly (no request counted). Returns false when it already exists.</summary>
    public bool CreateBucket(string name) => _backend.CreateBucket(name).Item1 == EmulatorOutcome.Ok;

    /// <summary>Writes an object directly, bypassing preconditions and faults; returns its generation.</summary>
    public long PutObject(string bucket, string name, byte[] content, string contentType = "application/octet-stream")
    {
        var (outcome, written) = _backend.Put(bucket, name, content, contentType, null, default);
        return outcome == EmulatorOutcome.Ok ? written!.Generation : throw new InvalidOperationException($"put {bucket}/{name}: {outcome}");
    }

    /// <summary>Deletes an object directly, bypassing preconditions and faults; false when it did not exist.</summary>
    public bool DeleteObject(string bucket, string name) => _backend.Delete(bucket, name, null, default).Item1 == EmulatorOutcome.Ok;

    /// <summary>Reads an object directly (no request counted): content and generation, or null.</summary>
    public (byte[] Content, long Generation)? GetObject(string bucket, string name)
    {
        var (outcome, o) = _backend.Get(bucket, name, null, default);
        return outcome == EmulatorOutcome.Ok ? (o!.Content, o.Generation) : null;
    }

    /// <summary>Starts (or restarts, on the same port) listening on 127.0.0.1. State survives restarts.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_app is not null)
            {
                return;
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}");
            builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
            builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>(); // never hook the host process's SIGINT/SIGTERM
            var app = builder.Build();
            app.Run(HandleAsync);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            _port = new Uri(app.Urls.First()).Port;
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops listening (connections are refused) until <see cref="StartAsync"/>; stored objects are kept.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_app is { } app)
            {
                _app = null;
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await app.StopAsync(grace.Token).ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _lifecycle.Dispose();
    }

    /// <summary>
    /// Runs the emulator as a stand-alone server until <paramref name="cancellationToken"/> fires.
    /// Arguments: <c>--port N</c> (default: free port) and any number of <c>--bucket NAME</c>. Prints
    /// <c>GCS_EMULATOR_ENDPOINT=http://127.0.0.1:N</c> on stdout once listening; SIGTERM or SIGINT stops it.
    /// </summary>
    public static async Task RunAsync(string[] args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var port = 0;
        var buckets = new List<string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--port":
                    port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--bucket":
                    buckets.Add(args[i + 1]);
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}", nameof(args));
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await using var emulator = new GcsEmulator(port);
        buckets.ForEach(b => emulator.CreateBucket(b));
        await emulator.StartAsync(cancellationToken).ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"GCS_EMULATOR_ENDPOINT={emulator.Endpoint.ToString().TrimEnd('/')}").ConfigureAwait(false);
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        Interlocked.Increment(ref _requests);
        _log.Enqueue(method + " " + raw);

        var fault = Faults.Next(method);
        if (fault.Delay > TimeSpan.Zero)
        {
            // A delayed request still lands even if the client gives up meanwhile, like a slow backend: take the body
            // now, then wait without watching RequestAborted.
            var body = await ReadAllAsync(context.Request.Body, CancellationToken.None).ConfigureAwait(false);
            context.Request.Body = new MemoryStream(body);
            await Task.Delay(fault.Delay, CancellationToken.None).ConfigureAwait(false);
        }

        if (fault.StatusCode is { } failBefore && fault.Timing == GcsFaultTiming.BeforeApply)
        {
            await WriteAsync(context, failBefore, null).ConfigureAwait(false);
            return;
        }

        GcsEmulatorReply reply;
        if (RequiredBearerToken is { } token && context.Request.Headers.Authorization.ToString() != "Bearer " + token)
        {
            reply = GcsEmulatorReply.Unauthorized();
        }
        else
        {
            try
            {
                reply = await DispatchAsync(context, raw).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidDataException or IOException)
            {
                reply = GcsEmulatorReply.BadRequest(e.Message);
            }
        }

        await WriteAsync(context, fault.StatusCode, reply).ConfigureAwait(false);
    }

    private async Task WriteAsync(HttpContext context, int? faultStatus, GcsEmulatorReply? reply)
    {
        if (faultStatus is 0)
        {
            context.Abort();
            return;
        }

        if (faultStatus is { } status)
        {
            reply = GcsEmulatorReply.Fault(status);
        }

        var response = context.Response;
        response.StatusCode = reply!.StatusCode;
        foreach (var (name, value) in reply.Headers)
        {
            if ((!SendLastModified && name == "Last-Modified") || (!SendGenerationHeaders && name.StartsWith("x-goog-", StringComparison.Ordinal)))
            {
                continue;
            }

            response.Headers[name] = value;
        }

        if (reply.StatusCode != 204)
        {
            response.ContentType = reply.ContentType;
            response.ContentLength = reply.Body.Length;
            try
            {
                await response.Body.WriteAsync(reply.Body, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The client went away (e.g. timed out); the request was applied all the same.
            }
        }
    }

    // Request processing never watches RequestAborted: a received request is applied even if the client disconnects,
    // which is exactly the "unknown outcome" a real client must cope with.
    private async Task<GcsEmulatorReply> DispatchAsync(HttpContext context, string rawTarget)
    {
        var query = context.Request.Query;
        var rawPath = rawTarget.Split('?', 2)[0];
        var segments = rawPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var method = context.Request.Method;
        var baseUrl = Endpoint.ToString().TrimEnd('/');
        var preconditions = new Preconditions(
            Long(query, "ifGenerationMatch"), Long(query, "ifGenerationNotMatch"),
            Long(query, "ifMetagenerationMatch"), Long(query, "ifMetagenerationNotMatch"));

        // /upload/storage/v1/b/{bucket}/o
        if (segments is ["upload", "storage", "v1", "b", var upBucket, "o"] && method == "POST")
        {
            return await UploadAsync(context, upBucket, preconditions, baseUrl).ConfigureAwait(false);
        }

        if (segments.Length < 3 || segments[0] != "storage" || segments[1] != "v1" || segments[2] != "b")
        {
            return GcsEmulatorReply.Error(404, "notFound", $"Not Found: {rawPath}");
        }

        switch (segments[3..])
        {
            case [] when method == "POST":
            {
                using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                var name = doc.RootElement.GetProperty("name").GetString() ?? throw new FormatException("bucket name missing");
                var (outcome, bucket) = _backend.CreateBucket(name);
                return outcome == EmulatorOutcome.Ok
                    ? GcsEmulatorReply.Json(GcsEmulatorReply.Resource(bucket!))
                    : GcsEmulatorReply.Error(409, "conflict", "Your previous request to create the named bucket succeeded and you already own it.");
            }

            case [var bucketName] when method == "GET":
                return _backend.GetBucket(bucketName) is { } b ? GcsEmulatorReply.Json(GcsEmulatorReply.Resource(b)) : GcsEmulatorReply.NoSuchBucket();

            case [var bucketName, "o"] when method == "GET":
            {
                var (outcome, items) = _backend.List(bucketName, query["prefix"].ToString());
                return outcome != EmulatorOutcome.Ok
                    ? GcsEmulatorReply.NoSuchBucket()
                    : GcsEmulatorReply.Json(new JsonObject
                    {
                        ["kind"] = "storage#objects",
                        ["items"] = new JsonArray(items.Select(o => (JsonNode?)GcsEmulatorReply.Resource(o, baseUrl)).ToArray()),
                    });
            }

            case [var bucketName, "o", .. var nameParts] when nameParts.Length > 0:
            {
                var name = string.Join('/', nameParts);
                var generation = Long(query, "generation");
                switch (method)
                {
                    case "GET":
                    {
                        var (outcome, o) = _backend.Get(bucketName, name, generation, preconditions);
                        return ObjectReply(outcome, o, bucketName, name, baseUrl, media: query["alt"] == "media");
                    }

                    case "DELETE":
                    {
                        var (outcome, o) = _backend.Delete(bucketName, name, generation, preconditions);
                        return outcome == EmulatorOutcome.Ok ? GcsEmulatorReply.Empty() : ObjectReply(outcome, o, bucketName, name, baseUrl, media: false);
                    }

                    case "PATCH":
                    {
                        using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                        var metadata = new Dictionary<string, string?>();
                        if (doc.RootElement.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var p in m.EnumerateObject())
                            {
                                metadata[p.Name] = p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString();
                            }
                        }

                        var (outcome, o) = _backend.Patch(bucketName, name, metadata, preconditions);
                        return ObjectReply(outcome, o, bucketName, name, baseUrl, media: false);
                    }
                }

                break;
            }
        }

        return GcsEmulatorReply.Error(405, "methodNotAllowed", $"{method} {rawPath} is not emulated.");
    }

    private async Task<GcsEmulatorReply> UploadAsync(HttpContext context, string bucket, Preconditions preconditions, string baseUrl)
    {
        var request = context.Request;
        string? name = request.Query["name"];
        string contentType = request.ContentType ?? "application/octet-stream";
        Dictionary<string, string>? metadata = null;
        byte[] content;
        switch (request.Query["uploadType"].ToString())
        {
            case "media":
                content = await ReadAllAsync(request.Body, CancellationToken.None).ConfigureAwait(false);
                break;

            case "multipart":
            {
                var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value
                               ?? throw new FormatException("multipart upload without a boundary");
                var reader = new MultipartReader(boundary, request.Body);
                var head = await reader.ReadNextSectionAsync(CancellationToken.None).ConfigureAwait(false) ?? throw new FormatException("multipart upload without a metadata part");
                using (var doc = await JsonDocument.ParseAsync(head.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false))
                {
                    var root = doc.RootElement;
                    if (root.TryGetProperty("name", out var n))
                    {
                        name ??= n.GetString();
                    }

                    if (root.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
                    {
                        metadata = m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty);
                    }

                    contentType = root.TryGetProperty("contentType", out var ct) && ct.GetString() is { } t ? t : "application/octet-stream";
                }

                var body = await reader.ReadNextSectionAsync(CancellationToken.None).ConfigureAwait(false) ?? throw new FormatException("multipart upload without a media part");
                if (body.ContentType is { } partType && contentType == "application/octet-stream")
                {
                    contentType = partType;
                }

                content = await ReadAllAsync(body.Body, CancellationToken.None).ConfigureAwait(false);
                break;
            }

            default:
                return GcsEmulatorReply.BadRequest("uploadType must be media or multipart (resumable is not emulated).");
        }

        if (string.IsNullOrEmpty(name))
        {
            return GcsEmulatorReply.Error(400, "required", "Required parameter: name");
        }

        var (outcome, written) = _backend.Put(bucket, name, content, contentType, metadata, preconditions);
        return ObjectReply(outcome, written, bucket, name, baseUrl, media: false);
    }

    private static GcsEmulatorReply ObjectReply(EmulatorOutcome outcome, EmulatedObject? o, string bucket, string name, string baseUrl, bool media) => outcome switch
    {
        EmulatorOutcome.Ok when media => GcsEmulatorReply.Media(o!),
        EmulatorOutcome.Ok => GcsEmulatorReply.Json(GcsEmulatorReply.Resource(o!, baseUrl)),
        EmulatorOutcome.NoSuchBucket => GcsEmulatorReply.NoSuchBucket(),
        EmulatorOutcome.NoSuchObject => GcsEmulatorReply.NoSuchObject(bucket, name),
        EmulatorOutcome.ConditionNotMet => GcsEmulatorReply.ConditionNotMet(),
        _ => GcsEmulatorReply.Error(409, "conflict", "Conflict."),
    };

    private static long? Long(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var v) && v.Count > 0
            ? long.Parse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture)
            : null;

    private static async Task<byte[]> ReadAllAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    // The embedded server starts and stops with the emulator object, not with the process's console signals.
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"GCS emulator at {Endpoint} ({(IsRunning ? "running" : "stopped")})";
}

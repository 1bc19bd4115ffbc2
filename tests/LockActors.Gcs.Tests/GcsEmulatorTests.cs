using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit;
using LockActors.TestServers.Gcs;

namespace LockActors.Gcs.Tests;

/// <summary>The emulator honours the documented JSON API semantics the store relies on (raw HTTP, no store involved).</summary>
public sealed class GcsEmulatorTests(GcsTestEmulator fixture) : IClassFixture<GcsTestEmulator>, IDisposable
{
    private const string Bucket = GcsTestEmulator.Bucket;
    private readonly HttpClient _http = new() { BaseAddress = fixture.Emulator.Endpoint };

    public void Dispose()
    {
        _http.Dispose();
        fixture.Emulator.Faults.Clear();
        fixture.Emulator.RequiredBearerToken = null;
    }

    private static string NewName(string suffix = "x.lock") => $"{Guid.NewGuid():N}/{suffix}";

    private static string E(string s) => Uri.EscapeDataString(s);

    private Task<HttpResponseMessage> Upload(string name, string content, string? preconditions = null, string bucket = Bucket)
    {
        var url = $"/upload/storage/v1/b/{E(bucket)}/o?uploadType=media&name={E(name)}" + (preconditions is null ? string.Empty : "&" + preconditions);
        return _http.PostAsync(url, new StringContent(content, Encoding.UTF8, "application/json"));
    }

    private Task<HttpResponseMessage> GetMeta(string name, string query = "") => _http.GetAsync($"/storage/v1/b/{Bucket}/o/{E(name)}{query}");

    private Task<HttpResponseMessage> Delete(string name, string query = "") => _http.DeleteAsync($"/storage/v1/b/{Bucket}/o/{E(name)}{query}");

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static async Task<long> Generation(HttpResponseMessage response) => long.Parse((await Json(response)).GetProperty("generation").GetString()!);

    [Fact]
    public async Task Bucket_insert_then_get_then_duplicate_insert_is_409()
    {
        var name = "bkt-" + Guid.NewGuid().ToString("N")[..10];
        var created = await _http.PostAsync("/storage/v1/b?project=demo", new StringContent($"{{\"name\":\"{name}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var got = await _http.GetAsync($"/storage/v1/b/{name}");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal(name, (await Json(got)).GetProperty("name").GetString());
        var again = await _http.PostAsync("/storage/v1/b?project=demo", new StringContent($"{{\"name\":\"{name}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Missing_bucket_is_404_for_get_upload_and_object_get()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/storage/v1/b/no-such-bucket")).StatusCode);
        var upload = await Upload("a", "x", "ifGenerationMatch=0", bucket: "no-such-bucket");
        Assert.Equal(HttpStatusCode.NotFound, upload.StatusCode);
        Assert.Equal("The specified bucket does not exist.", (await Json(upload)).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/storage/v1/b/no-such-bucket/o/a")).StatusCode);
    }

    [Fact]
    public async Task Missing_object_is_404_for_get_media_and_delete()
    {
        var name = NewName();
        var meta = await GetMeta(name);
        Assert.Equal(HttpStatusCode.NotFound, meta.StatusCode);
        Assert.StartsWith("No such object: ", (await Json(meta)).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetMeta(name, "?alt=media")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Delete(name)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Delete(name, "?ifGenerationMatch=5")).StatusCode);
    }

    [Fact]
    public async Task Create_if_absent_twice_gives_412_conditionNotMet_and_keeps_the_first()
    {
        var name = NewName();
        Assert.Equal(HttpStatusCode.OK, (await Upload(name, "{\"owner\":\"A\"}", "ifGenerationMatch=0")).StatusCode);
        var second = await Upload(name, "{\"owner\":\"B\"}", "ifGenerationMatch=0");
        Assert.Equal(HttpStatusCode.PreconditionFailed, second.StatusCode);
        var error = (await Json(second)).GetProperty("error");
        Assert.Equal(412, error.GetProperty("code").GetInt32());
        Assert.Equal("conditionNotMet", error.GetProperty("errors")[0].GetProperty("reason").GetString());
        Assert.Equal("{\"owner\":\"A\"}", await (await GetMeta(name, "?alt=media")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Fifty_concurrent_creates_have_exactly_one_winner()
    {
        for (var round = 0; round < 3; round++)
        {
            var name = NewName();
            using var start = new SemaphoreSlim(0);
            var racers = Enumerable.Range(0, 50).Select(async i =>
            {
                await start.WaitAsync();
                return (i, (await Upload(name, $"racer-{i}", "ifGenerationMatch=0")).StatusCode);
            }).ToArray();
            start.Release(50);
            var results = await Task.WhenAll(racers);
            var winners = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToArray();
            Assert.Single(winners);
            Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
            Assert.Equal($"racer-{winners[0].i}", await (await GetMeta(name, "?alt=media")).Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Generation_strictly_grows_across_overwrite_delete_and_recreate()
    {
        var name = NewName();
        var g1 = await Generation(await Upload(name, "1", "ifGenerationMatch=0"));
        var g2 = await Generation(await Upload(name, "2", $"ifGenerationMatch={g1}"));
        Assert.Equal(HttpStatusCode.NoContent, (await Delete(name, $"?ifGenerationMatch={g2}")).StatusCode);
        var g3 = await Generation(await Upload(name, "3", "ifGenerationMatch=0"));
        Assert.True(g1 < g2 && g2 < g3, $"{g1} < {g2} < {g3}");
    }

    [Fact]
    public async Task Stale_generation_overwrite_and_delete_get_412_and_change_nothing()
    {
        var name = NewName();
        var g1 = await Generation(await Upload(name, "one", "ifGenerationMatch=0"));
        var g2 = await Generation(await Upload(name, "two", $"ifGenerationMatch={g1}"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Upload(name, "three", $"ifGenerationMatch={g1}")).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Delete(name, $"?ifGenerationMatch={g1}")).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Upload("never-" + name, "ghost", $"ifGenerationMatch={g1}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetMeta("never-" + name)).StatusCode);
        var meta = await Json(await GetMeta(name));
        Assert.Equal(g2.ToString(), meta.GetProperty("generation").GetString());
        Assert.Equal("two", await (await GetMeta(name, "?alt=media")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Generation_not_match_and_metageneration_preconditions_are_honoured()
    {
        var name = NewName();
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Upload(name, "x", "ifGenerationNotMatch=0")).StatusCode); // 0 = must exist
        var g1 = await Generation(await Upload(name, "x", "ifMetagenerationMatch=0")); // 0 = must not exist
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Upload(name, "y", "ifMetagenerationMatch=0")).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Upload(name, "y", $"ifGenerationNotMatch={g1}")).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await GetMeta(name, $"?ifGenerationMatch={g1 + 1}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMeta(name, $"?ifGenerationMatch={g1}")).StatusCode);

        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/storage/v1/b/{Bucket}/o/{E(name)}?ifMetagenerationMatch=999")
        {
            Content = new StringContent("{\"metadata\":{\"k\":\"v\"}}", Encoding.UTF8, "application/json"),
        };
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _http.SendAsync(patch)).StatusCode);
        var patched = new HttpRequestMessage(HttpMethod.Patch, $"/storage/v1/b/{Bucket}/o/{E(name)}?ifMetagenerationMatch=1")
        {
            Content = new StringContent("{\"metadata\":{\"k\":\"v\"}}", Encoding.UTF8, "application/json"),
        };
        var meta = await Json(await _http.SendAsync(patched));
        Assert.Equal("2", meta.GetProperty("metageneration").GetString());
        Assert.Equal(g1.ToString(), meta.GetProperty("generation").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Upload(name, "z", $"ifGenerationNotMatch={g1 + 1}")).StatusCode);
    }

    [Fact]
    public async Task Media_download_carries_generation_last_modified_and_date_headers()
    {
        var name = NewName();
        var created = await Json(await Upload(name, "hello", "ifGenerationMatch=0"));
        var media = await GetMeta(name, "?alt=media");
        Assert.Equal("hello", await media.Content.ReadAsStringAsync());
        Assert.Equal(created.GetProperty("generation").GetString(), media.Headers.GetValues("x-goog-generation").Single());
        Assert.NotNull(media.Content.Headers.LastModified);
        Assert.NotNull(media.Headers.Date);
        var updated = DateTimeOffset.Parse(created.GetProperty("updated").GetString()!);
        Assert.True(Math.Abs((updated - media.Content.Headers.LastModified!.Value).TotalSeconds) < 1.0);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - updated).TotalSeconds) < 5);
        Assert.Equal("5", created.GetProperty("size").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetMeta(name, $"?alt=media&generation={created.GetProperty("generation").GetString()}1")).StatusCode);
    }

    [Fact]
    public async Task Multipart_upload_takes_name_from_metadata_and_honours_ifGenerationMatch()
    {
        var name = NewName("mp.lock");
        HttpContent Multipart(string body)
        {
            var content = new MultipartContent("related", "XX");
            content.Add(new StringContent($"{{\"name\":\"{name}\",\"metadata\":{{\"k\":\"v\"}}}}", Encoding.UTF8, "application/json"));
            content.Add(new StringContent(body, Encoding.UTF8, "text/plain"));
            return content;
        }

        var first = await _http.PostAsync($"/upload/storage/v1/b/{Bucket}/o?uploadType=multipart&ifGenerationMatch=0", Multipart("hello"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("v", (await Json(first)).GetProperty("metadata").GetProperty("k").GetString());
        var second = await _http.PostAsync($"/upload/storage/v1/b/{Bucket}/o?uploadType=multipart&ifGenerationMatch=0", Multipart("again"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, second.StatusCode);
        Assert.Equal("hello", await (await GetMeta(name, "?alt=media")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Names_with_slashes_spaces_plus_and_unicode_round_trip_and_list_by_prefix()
    {
        var prefix = Guid.NewGuid().ToString("N");
        string[] names = [$"{prefix}/dir name/é ü 日本+1.csv.lock", $"{prefix}/a%2Fb.lock", $"{prefix}/z.lock"];
        foreach (var n in names)
        {
            Assert.Equal(HttpStatusCode.OK, (await Upload(n, n, "ifGenerationMatch=0")).StatusCode);
            Assert.Equal(n, await (await GetMeta(n, "?alt=media")).Content.ReadAsStringAsync());
        }

        var list = await Json(await _http.GetAsync($"/storage/v1/b/{Bucket}/o?prefix={E(prefix + "/")}"));
        Assert.Equal(names.Order(StringComparer.Ordinal), list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Empty((await Json(await _http.GetAsync($"/storage/v1/b/{Bucket}/o?prefix=nothing-here"))).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Required_bearer_token_rejects_missing_and_wrong_tokens_with_401()
    {
        fixture.Emulator.RequiredBearerToken = "good-token";
        var name = NewName();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Upload(name, "x", "ifGenerationMatch=0")).StatusCode);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "bad-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMeta(name)).StatusCode);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "good-token");
        Assert.Equal(HttpStatusCode.OK, (await Upload(name, "x", "ifGenerationMatch=0")).StatusCode);
    }

    [Fact]
    public async Task Faults_after_apply_change_state_but_hide_the_reply_and_faults_before_apply_do_not()
    {
        var applied = NewName();
        fixture.Emulator.Faults.FailNext(1, 503, TestServers.Gcs.GcsFaultTiming.AfterApply);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Upload(applied, "x", "ifGenerationMatch=0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMeta(applied)).StatusCode);

        var rejected = NewName();
        fixture.Emulator.Faults.FailNext(1, 429);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Upload(rejected, "x", "ifGenerationMatch=0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetMeta(rejected)).StatusCode);
    }

    [Fact]
    public async Task Stop_refuses_connections_and_start_keeps_port_and_objects()
    {
        await using var emulator = new TestServers.Gcs.GcsEmulator();
        emulator.CreateBucket("b");
        await emulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.Endpoint };
        var endpoint = emulator.Endpoint;
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/upload/storage/v1/b/b/o?uploadType=media&name=k&ifGenerationMatch=0", new StringContent("v"))).StatusCode);
        await emulator.StopAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/storage/v1/b/b/o/k"));
        await emulator.StartAsync();
        Assert.Equal(endpoint, emulator.Endpoint);
        Assert.Equal("v", await (await http.GetAsync("/storage/v1/b/b/o/k?alt=media")).Content.ReadAsStringAsync());
    }
}

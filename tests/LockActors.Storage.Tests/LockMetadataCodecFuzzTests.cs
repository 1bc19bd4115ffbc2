using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Storage.Tests;

/// <summary>
/// Seeded fuzzing of <see cref="LockMetadataCodec.Decode"/>: random bytes, random JSON token soup, and valid sidecars
/// mutated structurally (fields removed, types swapped, extreme numbers, deep nesting, duplicates) and byte-wise
/// (truncation, flips, invalid UTF-8). Every input must decode or throw <see cref="CorruptSidecarException"/>; whatever
/// decodes must be in range and re-encode to itself. The seed is printed; <c>LOCKACTORS_FUZZ_SEED=n</c> replays a run.
/// </summary>
public sealed class LockMetadataCodecFuzzTests(ITestOutputHelper output)
{
    private const int RandomByteCases = 4_000;
    private const int TokenSoupCases = 4_000;
    private const int MutatedCases = 16_000;

    private static readonly SidecarKey Key = LockTarget.Parse("mem://fuzz/a.csv").Sidecar;

    private static readonly string[] KnownFields = ["v", "lockId", "ownerId", "hostname", "pid", "createdAt", "heartbeatAt", "ttlMs", "fencingToken", "ttl"];

    private static readonly string[] C2foFields = ["createdAt", "ttl", "hostname", "pid", "ownerId"];

    private static readonly string[] ExtremeNumbers =
    [
        "0", "-0", "1", "-1", "2", "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "315360000000", "315360000001",
        "1.5", "1e3", "1E+2", "1e308", "1e400", "-1e400", "0.0000001", "123456789012345678901234567890", "5e-324",
    ];

    private static readonly string[] ExtremeStrings =
    [
        "", " ", "x", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.9999999-14:00",
        "9999-12-31T23:59:59Z", "1969-12-31T23:59:59.9999999Z", "1970-01-01T00:00:00Z", "8999-12-31T23:59:59Z",
        "2026-02-30T00:00:00Z", "2026-01-01T00:00:00.123456789Z", "2026-01-01", "2026-01-01T25:00:00Z", "now", "1e400",
        "\u0000", "é日本", new string('a', 3000),
    ];

    private static readonly string[] SoupTokens =
    [
        "{", "}", "[", "]", ":", ",", "\"v\"", "\"lockId\"", "\"ttlMs\"", "\"createdAt\"", "\"fencingToken\"", "\"pid\"",
        "1", "-1", "1e999", "9223372036854775808", "\"x\"", "\"2026-01-01T00:00:00Z\"", "null", "true", "false", " ",
        "\"\\ud800\"", "\"\\u0000\"", "/*", "*/", "\"", "\\", "nul", "\n",
    ];

    [Fact]
    public void Decode_of_random_and_mutated_input_only_succeeds_or_throws_corrupt_sidecar()
    {
        var seed = Environment.GetEnvironmentVariable("LOCKACTORS_FUZZ_SEED") is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"codec fuzz seed {seed} (replay with LOCKACTORS_FUZZ_SEED={seed})");
        var random = new Random(seed);
        var stopwatch = Stopwatch.StartNew();
        int decoded = 0, corrupt = 0, cases = 0, c2fo = 0;

        void Check(byte[] input)
        {
            var caseNo = cases++;
            LockMetadata metadata;
            try
            {
                metadata = LockMetadataCodec.Decode(Key, input);
            }
            catch (CorruptSidecarException)
            {
                corrupt++;
                return;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, case {caseNo}: {e.GetType().Name} escaped Decode for input (base64) {Convert.ToBase64String(input)}\n{e}");
                return;
            }

            decoded++;
            c2fo += metadata.Format == SidecarFormat.C2foVfs ? 1 : 0;
            var why = $"seed {seed}, case {caseNo}: decoded out-of-range metadata from (base64) {Convert.ToBase64String(input)}";
            Assert.True(metadata.Ttl >= TimeSpan.Zero && metadata.Ttl <= SidecarLimits.MaxTtl, why);
            Assert.True(metadata.FencingToken >= 0 && metadata.ProcessId >= 0, why);
            Assert.True(metadata.CreatedAt >= SidecarLimits.EarliestTimestamp && metadata.CreatedAt < SidecarLimits.LatestTimestamp, why);
            Assert.True(metadata.HeartbeatAt >= SidecarLimits.EarliestTimestamp && metadata.HeartbeatAt < SidecarLimits.LatestTimestamp, why);
            Assert.False(string.IsNullOrWhiteSpace(metadata.LockId), why);
            // A c2fo holder re-encodes in this library's format (the only one it writes): same fields, its nanosecond TTL
            // rounded up to whole milliseconds as ttlMs is.
            var expected = metadata.Format == SidecarFormat.LockActors ? metadata : metadata with
            {
                Format = SidecarFormat.LockActors,
                Ttl = TimeSpan.FromMilliseconds((metadata.Ttl.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond),
            };
            Assert.True(expected == LockMetadataCodec.Decode(Key, LockMetadataCodec.Encode(metadata)), why + " (does not re-encode to itself)");
        }

        for (var i = 0; i < RandomByteCases; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0)
            {
                bytes[0] = (byte)'{';
            }

            Check(bytes);
        }

        for (var i = 0; i < TokenSoupCases; i++)
        {
            var soup = new StringBuilder();
            for (var n = random.Next(1, 40); n > 0; n--)
            {
                soup.Append(SoupTokens[random.Next(SoupTokens.Length)]);
            }

            Check(Encoding.UTF8.GetBytes(soup.ToString()));
        }

        for (var i = 0; i < MutatedCases; i++)
        {
            Check(Mutate(random));
        }

        stopwatch.Stop();
        output.WriteLine($"{cases} cases in {stopwatch.ElapsedMilliseconds} ms: {decoded} decoded ({c2fo} as c2fo/vfs), {corrupt} corrupt");
        Assert.True(c2fo > 100, $"seed {seed}: only {c2fo} inputs decoded as c2fo/vfs sidecars");
        Assert.True(decoded > 1000, $"seed {seed}: only {decoded} mutated inputs decoded; the generator no longer reaches valid metadata");
        Assert.True(corrupt > 10_000, $"seed {seed}: only {corrupt} inputs were corrupt");
    }

    private static byte[] Mutate(Random random)
    {
        var isC2fo = random.Next(4) == 0;
        var fields = isC2fo ? C2foFields : KnownFields;
        var sidecar = isC2fo ? C2foSidecar(random) : new JsonObject
        {
            ["v"] = 1,
            ["lockId"] = "lock-" + random.Next(),
            ["ownerId"] = "owner",
            ["hostname"] = "host",
            ["pid"] = random.Next(0, 100_000),
            ["createdAt"] = "2026-01-02T03:04:05.678Z",
            ["heartbeatAt"] = "2026-01-02T03:04:15Z",
            ["ttlMs"] = random.Next(0, 600_000),
            ["fencingToken"] = random.NextInt64(0, long.MaxValue),
        };

        var duplicate = (string?)null;
        for (var n = random.Next(0, 4); n > 0; n--)
        {
            switch (random.Next(5))
            {
                case 0:
                    sidecar.Remove(fields[random.Next(fields.Length)]);
                    break;
                case 1:
                case 2:
                    sidecar[KnownFields[random.Next(KnownFields.Length)]] = RandomValue(random, depth: random.Next(0, 4));
                    break;
                case 3:
                    sidecar["unknown" + random.Next(3)] = RandomValue(random, depth: random.Next(0, 30));
                    break;
                default:
                    duplicate = KnownFields[random.Next(KnownFields.Length)];
                    break;
            }
        }

        var json = sidecar.ToJsonString();
        if (duplicate is not null)
        {
            json = "{\"" + duplicate + "\":" + RandomValue(random, 0)?.ToJsonString() + "," + json[1..];
            json = json.Replace(":,", ":null,", StringComparison.Ordinal);
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        return random.Next(8) == 0 ? MutateBytes(random, bytes) : bytes;
    }

    /// <summary>A sidecar as c2fo/vfs writes it (Go's RFC 3339 with nanoseconds, ttl in nanoseconds).</summary>
    private static JsonObject C2foSidecar(Random random) => new()
    {
        ["createdAt"] = "2026-12-02T15:04:05.123456789Z",
        ["ttl"] = random.Next(3) switch { 0 => 0, 1 => random.NextInt64(0, long.MaxValue), _ => random.NextInt64(1, 600_000_000_000) },
        ["hostname"] = "go-host",
        ["pid"] = random.Next(0, 100_000),
        ["ownerId"] = "go-worker",
    };

    private static JsonNode? RandomValue(Random random, int depth)
    {
        if (depth > 0 && random.Next(3) == 0)
        {
            return random.Next(2) == 0
                ? new JsonArray(RandomValue(random, depth - 1), RandomValue(random, depth - 1))
                : new JsonObject { ["k" + random.Next(3)] = RandomValue(random, depth - 1) };
        }

        return random.Next(6) switch
        {
            0 => null,
            1 => JsonValue.Create(random.Next(2) == 0),
            2 or 3 => JsonNode.Parse(ExtremeNumbers[random.Next(ExtremeNumbers.Length)]),
            _ => JsonValue.Create(ExtremeStrings[random.Next(ExtremeStrings.Length)]),
        };
    }

    private static byte[] MutateBytes(Random random, byte[] bytes)
    {
        var position = random.Next(bytes.Length);
        switch (random.Next(5))
        {
            case 0:
                return bytes[..position];
            case 1:
                bytes[position] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 2:
                byte[][] invalid = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xC3], [0xF4, 0x90, 0x80, 0x80]];
                return [.. bytes[..position], .. invalid[random.Next(invalid.Length)], .. bytes[position..]];
            case 3:
                return [.. bytes[..position], .. "\\ud800"u8, .. bytes[position..]];
            default:
                return [.. Encoding.UTF8.GetBytes(new string('[', random.Next(10, 2000))), .. bytes];
        }
    }
}

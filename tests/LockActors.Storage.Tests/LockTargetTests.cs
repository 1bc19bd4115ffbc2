using Xunit;

namespace LockActors.Storage.Tests;

public sealed class LockTargetTests
{
    [Theory]
    [InlineData("file:///data/in/a.csv", "file:///data/in/a.csv")]
    [InlineData("FILE:///data//in/a.csv", "file:///data/in/a.csv")]
    [InlineData("file://localhost/data/in/a.csv", "file:///data/in/a.csv")]
    [InlineData("S3://Bucket/in/a.csv", "s3://bucket/in/a.csv")]
    [InlineData("s3://bucket/in/a%20b.csv", "s3://bucket/in/a%20b.csv")]
    [InlineData("gs://bucket/dir/ü.csv", "gs://bucket/dir/%C3%BC.csv")]
    [InlineData("sftp://user@Host:2222/home/x.csv", "sftp://user@host:2222/home/x.csv")]
    [InlineData("mem://ns/x", "mem://ns/x")]
    public void Spellings_of_one_file_normalise_to_one_target(string input, string expected)
    {
        var target = LockTarget.Parse(input);
        Assert.Equal(expected, target.Normalized);
        Assert.Equal(target, LockTarget.Parse(target.Normalized));
        Assert.EndsWith(".lock", target.Sidecar.Path, StringComparison.Ordinal);
    }

    /// <summary>
    /// The target keeps scheme and authority as strings and builds its <see cref="Uri"/> lazily: both must agree with
    /// that URI, and the normalised form must be a fixed point (the manager routes a request whose target string is
    /// already normalised without parsing it again).
    /// </summary>
    [Theory]
    [InlineData("file:///data/in/a.csv")]
    [InlineData("S3://Bucket/in/a%20b.csv")]
    [InlineData("s3://bucket/%41b/c.csv")]
    [InlineData("gs://bucket/dir/ü.csv")]
    [InlineData("sftp://us%40er@Host:2222/home/x.csv")]
    [InlineData("sftp://[::1]:2222/home/x.csv")]
    [InlineData("SFTP://h:22//home//x.csv")]
    [InlineData("mem://ns/a+b%2Bc;d=e.csv")]
    public void String_parts_agree_with_the_uri_and_normalising_is_a_fixed_point(string input)
    {
        var target = LockTarget.Parse(input);
        var again = LockTarget.Parse(target.Normalized);
        Assert.Equal(target.Normalized, again.Normalized);
        Assert.Equal(target.Path, again.Path);
        Assert.Equal(target.Uri.Scheme, target.Scheme);
        Assert.Equal(target.Uri.Authority, target.Authority);
        Assert.Equal(target.Normalized, target.Uri.OriginalString);
    }

    /// <summary>The fast path (nothing to escape) and the escaping path give what <see cref="Uri.EscapeDataString(string)"/> per segment gives.</summary>
    [Theory]
    [InlineData("/in/a.csv")]
    [InlineData("/in/A-Z_0.9~x/b")]
    [InlineData("/in/a b/ü+c%;d=e")]
    [InlineData("/in/a:b@c!d$e&f'g(h)i*j,k")]
    public void Escaping_a_path_matches_escaping_each_segment(string path) =>
        Assert.Equal(string.Join('/', path.Split('/').Select(Uri.EscapeDataString)), LockTarget.EscapePath(path));

    [Theory]
    [InlineData("file:///data/../../etc/x")]
    [InlineData("file:///data/./x")]
    [InlineData("file:///data/%2e%2e/etc/passwd")]
    [InlineData("s3://bucket/a/../b")]
    [InlineData("sftp://u@h/home/..")]
    [InlineData("file:///data/%2E%2E%2Fetc/x")]
    public void Dot_segments_are_rejected_as_traversal(string input)
    {
        var error = Assert.Throws<InvalidLockTargetException>(() => LockTarget.Parse(input));
        Assert.Contains("traversal", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a uri")]
    [InlineData("/data/a.csv")]
    [InlineData("file:///")]
    [InlineData("file:///data/dir/")]
    [InlineData("s3://bucket/a.csv?versionId=1")]
    [InlineData("s3://bucket/a.csv#frag")]
    [InlineData("s3:///a.csv")]
    [InlineData("file://remotehost/a.csv")]
    [InlineData("file:///data/a\u0001.csv")]
    public void Malformed_uris_are_rejected_with_a_typed_error(string input) =>
        Assert.Throws<InvalidLockTargetException>(() => LockTarget.Parse(input));

    [Fact]
    public void Sidecar_sits_next_to_the_target()
    {
        var target = LockTarget.Parse("s3://bucket/in/a.csv");
        Assert.Equal("/in/a.csv.lock", target.Sidecar.Path);
        Assert.Equal("in/a.csv.lock", target.Sidecar.ObjectName);
        Assert.Equal("bucket", target.Sidecar.Authority);
    }
    [Theory]
    [InlineData("file:///data/in/a.csv")]
    [InlineData("mem://ns/x")]
    [InlineData("mem://p1/t-12345")]
    [InlineData("s3://bucket-1.example/in/a_b~c.csv")]
    [InlineData("gs://bucket/dir/.hidden")]
    [InlineData("sftp://host/home/x.csv")]
    public void Common_normalised_spellings_are_recognised(string uri)
    {
        Assert.True(LockTarget.IsNormalizedSpelling(uri));
        Assert.Equal(uri, LockTarget.Parse(uri).Normalized);
    }

    [Theory]
    [InlineData("FILE:///data/in/a.csv")]
    [InlineData("file:///data//in/a.csv")]
    [InlineData("file://localhost/data/a.csv")]
    [InlineData("S3://Bucket/in/a.csv")]
    [InlineData("s3://Bucket/in/a.csv")]
    [InlineData("s3://bucket/in/a%20b.csv")]
    [InlineData("sftp://user@host:2222/home/x.csv")]
    [InlineData("s3://bucket/a/../b")]
    [InlineData("s3://bucket/a/./b")]
    [InlineData("s3://bucket/a./b")]
    [InlineData("s3://bucket/dir/")]
    [InlineData("s3://bucket/")]
    [InlineData("s3:///a")]
    [InlineData("s3://1bucket/a")]
    [InlineData("s3://bucket./a")]
    [InlineData("ftp://host/a")]
    [InlineData("s3://bucket/a?x")]
    [InlineData(null)]
    public void Spellings_that_need_parsing_are_not_taken_as_normalised(string? uri) =>
        Assert.False(LockTarget.IsNormalizedSpelling(uri));

    /// <summary>
    /// The routing fast path's safety (ManagerShardPool): any spelling recognised as normalised must parse to itself,
    /// or two spellings of one target could reach two actors. Random spellings over an alphabet of the characters
    /// that matter (case, dots, slashes, escapes, ports, user info, non-ASCII), with enough of them recognised that the
    /// property is exercised.
    /// </summary>
    [Fact]
    public void A_spelling_recognised_as_normalised_parses_to_itself()
    {
        var random = new Random(20261203);
        string[] prefixes = ["file://", "file:///", "mem://", "s3://", "gs://", "sftp://", "S3://", "Mem://", "sftp://u@", "http://"];
        // Half the cases from the characters a normalised spelling may hold, half with the ones that need parsing too.
        string[] hostAlphabets = ["abcxyz09-.", "abcxyz09-.ABX:@%_"];
        string[] pathAlphabets = ["abcz09AZ-._~/", "abcz09AZ-._~/%:@+ ü\\?#"];
        var recognised = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var plain = random.Next(2);
            var host = Random(random, hostAlphabets[plain], random.Next(0, 8));
            var path = "/" + Random(random, pathAlphabets[plain], random.Next(0, 14));
            var uri = prefixes[random.Next(prefixes.Length)] + host + path;
            if (!LockTarget.IsNormalizedSpelling(uri))
            {
                continue;
            }

            recognised++;
            Assert.True(LockTarget.TryParse(uri, out var target, out var error), $"{uri} was taken as normalised but does not parse: {error?.Message}");
            Assert.Equal(uri, target!.Normalized);
        }

        Assert.True(recognised > 10_000, $"only {recognised} random spellings were recognised: the property was barely exercised");
    }

    private static string Random(Random random, string alphabet, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}

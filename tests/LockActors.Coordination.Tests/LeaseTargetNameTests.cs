using LockActors.Coordination;
using Xunit;

namespace LockActors.Coordination.Tests;

/// <summary>Lease name → file name: safe on every store, and distinct names never share a sidecar.</summary>
public sealed class LeaseTargetNameTests
{
    [Theory]
    [InlineData("my-system-singleton-manager", "my-system-singleton-manager")]
    [InlineData("sys-shard-Cart-12", "sys-shard-Cart-12")]
    [InlineData("a.b", "a.b")]
    [InlineData("a_b", "a_5Fb")]
    [InlineData("a/b", "a_2Fb")]
    [InlineData("a b", "a_20b")]
    [InlineData(".hidden", "_2Ehidden")]
    [InlineData("..", "_2E.")]
    [InlineData("akka.tcp://sys@127.0.0.1:2552", "akka.tcp_3A_2F_2Fsys_40127.0.0.1_3A2552")]
    [InlineData("é", "_C3_A9")]
    public void Safe_characters_stay_and_every_other_byte_is_escaped(string name, string expected) =>
        Assert.Equal(expected, LeaseTargetName.Encode(name));

    [Theory]
    [InlineData("a_2Fb", "a/b")]
    [InlineData("a_5Fb", "a_b")]
    [InlineData("_2E", ".")]
    [InlineData("x%2F", "x/")]
    public void Names_that_could_be_confused_stay_distinct(string one, string other) =>
        Assert.NotEqual(LeaseTargetName.Encode(one), LeaseTargetName.Encode(other));

    [Fact]
    public void Over_long_names_are_cut_with_a_hash_and_stay_distinct()
    {
        var common = new string('a', 300);
        var one = LeaseTargetName.Encode(common + "1");
        var other = LeaseTargetName.Encode(common + "2");
        Assert.Equal(LeaseTargetName.MaxLength, one.Length);
        Assert.Equal(LeaseTargetName.MaxLength, other.Length);
        Assert.NotEqual(one, other);
        Assert.Equal('~', one[LeaseTargetName.KeptPrefix]);
        Assert.DoesNotContain('~', LeaseTargetName.Encode(new string('b', LeaseTargetName.MaxLength)));
    }

    [Theory]
    [InlineData("file:///var/akka-leases/")]
    [InlineData("s3://bucket/akka-leases/")]
    [InlineData("gs://bucket/a/b/")]
    public void Every_encoded_name_makes_a_valid_target_with_the_name_as_its_last_segment(string root)
    {
        foreach (var name in new[] { "sys-shard-T-1", "..", "a/../b", "x y?z#w", "ü\u00a0", new string('q', 500) })
        {
            var target = LockTarget.Parse(LeaseTargetName.TargetUri(root, name));
            Assert.Equal(LeaseTargetName.Encode(name), target.Path[(target.Path.LastIndexOf('/') + 1)..]);
        }
    }
}

using Xunit;

namespace LockActors.Reliability.Faults;

/// <summary>Tests that assert orderings of timer-driven events: they run alone, never beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    /// <summary>The collection's name.</summary>
    public const string Name = "timing-sensitive";
}

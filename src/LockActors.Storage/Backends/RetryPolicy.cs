using System.Globalization;

namespace LockActors.Storage.Backends;

/// <summary>
/// How a network store retries transient failures (429, 408, 5xx, timeouts, dropped connections): at most
/// <see cref="MaxAttempts"/> of them per store call, with capped exponential backoff between them. It bounds how many
/// requests one call may spend; it never turns an unknown write outcome into a blind re-send (that is
/// <see cref="ConditionalWriteResolver"/>'s job). HOCON: a <c>retry { max-attempts, initial-backoff, max-backoff }</c>
/// block in the backend's section. Immutable; copies are made with the <c>With*</c> methods, each validated.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>4 attempts, 100 ms initial backoff doubling up to 2 s, full jitter.</summary>
    public static RetryPolicy Default { get; } = new RetryPolicy().Validated();

    /// <summary>No retries: the first transient failure ends the call with <see cref="StoreUnavailableException"/>.</summary>
    public static RetryPolicy None { get; } = Default.WithMaxAttempts(1).WithBackoff(TimeSpan.Zero, TimeSpan.Zero);

    private RetryPolicy()
    {
    }

    /// <summary>Transient failures one store call tolerates, resolving re-reads included; the one that reaches this
    /// number ends the call with <see cref="StoreUnavailableException"/> (<c>retry.max-attempts</c>, at least 1).</summary>
    public int MaxAttempts { get; private init; } = 4;

    /// <summary>Bound of the first wait; each later bound doubles up to <see cref="MaxBackoff"/> (<c>retry.initial-backoff</c>).</summary>
    public TimeSpan InitialBackoff { get; private init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap of any single wait (<c>retry.max-backoff</c>, at least <see cref="InitialBackoff"/>).</summary>
    public TimeSpan MaxBackoff { get; private init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether each wait is drawn uniformly from [0, bound] (full jitter, the default) rather than the bound itself.</summary>
    public bool Jitter { get; private init; } = true;

    /// <summary>A copy tolerating <paramref name="maxAttempts"/> transient failures per call.</summary>
    /// <exception cref="ArgumentException">Less than 1 (named <c>retry.max-attempts</c>).</exception>
    public RetryPolicy WithMaxAttempts(int maxAttempts) => (this with { MaxAttempts = maxAttempts }).Validated();

    /// <summary>A copy with other backoff bounds.</summary>
    /// <exception cref="ArgumentException">A negative initial backoff, or a cap below it (named by its HOCON key).</exception>
    public RetryPolicy WithBackoff(TimeSpan initialBackoff, TimeSpan maxBackoff) =>
        (this with { InitialBackoff = initialBackoff, MaxBackoff = maxBackoff }).Validated();

    /// <summary>A copy with full jitter on or off.</summary>
    public RetryPolicy WithJitter(bool jitter) => (this with { Jitter = jitter }).Validated();

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based): min(cap, initial·2^(retry-1)), or a
    /// uniform draw below it with <see cref="Jitter"/>.</summary>
    public TimeSpan BackoffFor(int retry)
    {
        var bound = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1)));
        return TimeSpan.FromMilliseconds(Jitter ? Random.Shared.NextDouble() * bound : bound);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"RetryPolicy {{ MaxAttempts = {MaxAttempts}, InitialBackoff = {InitialBackoff}, MaxBackoff = {MaxBackoff}, Jitter = {Jitter} }}");

    private RetryPolicy Validated()
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"retry.max-attempts must be at least 1, not {MaxAttempts}.", "retry.max-attempts");
        }

        if (InitialBackoff < TimeSpan.Zero)
        {
            throw new ArgumentException($"retry.initial-backoff must not be negative, not {InitialBackoff}.", "retry.initial-backoff");
        }

        if (MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException($"retry.max-backoff ({MaxBackoff}) must be at least retry.initial-backoff ({InitialBackoff}).", "retry.max-backoff");
        }

        return this;
    }
}

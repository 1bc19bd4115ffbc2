namespace LockActors.TestServers.Faults;

/// <summary>The four <c>ILockStore</c> primitives, as fault rules and the timeline name them.</summary>
public enum StorePrimitive
{
    /// <summary><c>TryCreateAsync</c>.</summary>
    Create,

    /// <summary><c>ReadAsync</c>.</summary>
    Read,

    /// <summary><c>TryReplaceAsync</c>.</summary>
    Replace,

    /// <summary><c>TryDeleteAsync</c>.</summary>
    Delete,
}

/// <summary>What an injected fault does to one call.</summary>
public enum FaultAction
{
    /// <summary>Nothing: the call goes straight to the inner store.</summary>
    None,

    /// <summary>Wait <see cref="StoreFault.Delay"/>, then apply and reply (a slow request on its way in).</summary>
    DelayBeforeApply,

    /// <summary>Apply, then wait <see cref="StoreFault.Delay"/> before replying (a slow reply: the write is already visible).</summary>
    DelayAfterApply,

    /// <summary>Never apply and never reply (until the hung calls are released, which fails them unapplied).</summary>
    Hang,

    /// <summary>Throw <c>StoreUnavailableException</c> without applying.</summary>
    FailBeforeApply,

    /// <summary>Apply, then never reply (until released): the caller cannot know the outcome.</summary>
    ApplyThenHang,

    /// <summary>Apply, then throw <c>StoreUnavailableException</c>: the caller cannot know the outcome.</summary>
    ApplyThenFail,
}

/// <summary>
/// One injected fault. Delays and hangs honour the caller's cancellation token unless <see cref="IgnoresCancellation"/>
/// is set, in which case only the caller's own timeout (the lock actor's store-operation timeout) can end its wait.
/// </summary>
/// <param name="Action">What happens to the call.</param>
/// <param name="Delay">For the delay actions: how long.</param>
/// <param name="IgnoresCancellation">True = the call does not observe its cancellation token, like a broken client library.</param>
public sealed record StoreFault(FaultAction Action, TimeSpan Delay = default, bool IgnoresCancellation = false)
{
    /// <summary>No fault.</summary>
    public static StoreFault None { get; } = new(FaultAction.None);

    /// <summary>Fail before applying (<c>StoreUnavailableException</c>).</summary>
    public static StoreFault FailBeforeApply { get; } = new(FaultAction.FailBeforeApply);

    /// <summary>Apply, then fail the reply: outcome unknown to the caller.</summary>
    public static StoreFault ApplyThenFail { get; } = new(FaultAction.ApplyThenFail);

    /// <summary>Wait <paramref name="delay"/> before applying.</summary>
    public static StoreFault DelayBeforeApply(TimeSpan delay, bool ignoreCancellation = false) => new(FaultAction.DelayBeforeApply, delay, ignoreCancellation);

    /// <summary>Apply at once, reply after <paramref name="delay"/>.</summary>
    public static StoreFault DelayAfterApply(TimeSpan delay, bool ignoreCancellation = false) => new(FaultAction.DelayAfterApply, delay, ignoreCancellation);

    /// <summary>Never apply, never reply.</summary>
    public static StoreFault Hang(bool ignoreCancellation = false) => new(FaultAction.Hang, default, ignoreCancellation);

    /// <summary>Apply, then never reply.</summary>
    public static StoreFault ApplyThenHang(bool ignoreCancellation = false) => new(FaultAction.ApplyThenHang, default, ignoreCancellation);

    /// <summary>True when the call reaches the inner store (possibly late).</summary>
    public bool Applies => Action is not (FaultAction.Hang or FaultAction.FailBeforeApply);

    /// <inheritdoc />
    public override string ToString() => Action switch
    {
        FaultAction.DelayBeforeApply or FaultAction.DelayAfterApply => $"{Action}({Delay.TotalMilliseconds:0}ms{(IgnoresCancellation ? ", ignoring cancellation" : string.Empty)})",
        FaultAction.Hang or FaultAction.ApplyThenHang => $"{Action}({(IgnoresCancellation ? "ignoring cancellation" : "honouring cancellation")})",
        _ => Action.ToString(),
    };
}

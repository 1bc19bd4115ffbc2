namespace LockActors.Storage.Backends;

/// <summary>One read request's result: the value, nothing (not found), or a transient failure to retry.</summary>
/// <typeparam name="T">What the read returns.</typeparam>
/// <param name="Value">The value read; null when not found or on a transient failure.</param>
/// <param name="TransientFailure">What failed transiently (5xx, 429, timeout, dropped connection); null when the read answered.</param>
/// <param name="Error">The transient failure's exception, if any.</param>
public readonly record struct ReadResult<T>(T? Value, string? TransientFailure, Exception? Error = null)
    where T : class
{
    /// <summary>Found <paramref name="value"/>.</summary>
    public static ReadResult<T> Found(T value) => new(value, null);

    /// <summary>Nothing there.</summary>
    public static ReadResult<T> NotFound => default;

    /// <summary>Failed transiently: retry, or give up as unavailable.</summary>
    public static ReadResult<T> Transient(string detail, Exception? error = null) => new(null, detail, error);
}

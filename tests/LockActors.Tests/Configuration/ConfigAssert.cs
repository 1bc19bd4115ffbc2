using Xunit;

namespace LockActors.Tests.Configuration;

/// <summary>
/// Checks a configuration error the way a user reads it: the message starts with the full HOCON key, and the
/// exception carries that key (as <c>Key</c>, or as <see cref="ArgumentException.ParamName"/>). Wrappers added on the
/// way (actor system start-up, host start) are looked through.
/// </summary>
internal static class ConfigAssert
{
    public static Exception Refused(Action act, string fullKey) => Check(Record.Exception(act), fullKey);

    public static async Task<Exception> RefusedAsync(Func<Task> act, string fullKey) => Check(await Record.ExceptionAsync(act), fullKey);

    private static Exception Check(Exception? error, string fullKey)
    {
        Assert.True(error is not null, $"expected a configuration error naming {fullKey}, but nothing was thrown");
        while (KeyOf(error) is null && error.InnerException is not null)
        {
            error = error.InnerException;
        }

        Assert.True(error.Message.StartsWith(fullKey + " ", StringComparison.Ordinal), $"the message should start with '{fullKey}': {error.GetType().Name}: {error.Message}");
        Assert.Equal(fullKey, KeyOf(error));
        return error;
    }

    private static string? KeyOf(Exception error) =>
        error.GetType().GetProperty("Key")?.GetValue(error) as string ?? (error as ArgumentException)?.ParamName;
}

using Akka.Actor;
using LockActors.Messages;

namespace LockActors.Reliability.Faults;

/// <summary>How a request to the lock manager ended, as one word for assertions and reports.</summary>
internal static class RequestOutcome
{
    /// <summary>"granted", "info", "released", "done", "no answer" (the Ask timed out) or the failure's type name.</summary>
    public static async Task<string> OfAsync(Task request)
    {
        try
        {
            await request;
            return request switch
            {
                Task<LockGranted> => "granted",
                Task<LockInfo> => "info",
                Task<LockReleased> => "released",
                _ => "done",
            };
        }
        catch (AskTimeoutException)
        {
            return "no answer";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }
}

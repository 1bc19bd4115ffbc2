using System.Globalization;
using System.Text;

namespace LockActors.Hosting;

/// <summary>Hosting options for a network store's <c>retry { }</c> block. Unset = reference.conf default.</summary>
public sealed class RetryOptions
{
    /// <summary>Transient failures one store call tolerates, resolving re-reads included (<c>retry.max-attempts</c>).</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>Bound of the first randomised wait (<c>retry.initial-backoff</c>).</summary>
    public TimeSpan? InitialBackoff { get; set; }

    /// <summary>Cap of any wait (<c>retry.max-backoff</c>).</summary>
    public TimeSpan? MaxBackoff { get; set; }

    internal void AppendTo(StringBuilder hocon)
    {
        if (MaxAttempts is { } attempts)
        {
            hocon.Append("retry.max-attempts = ").AppendLine(attempts.ToString(CultureInfo.InvariantCulture));
        }

        if (InitialBackoff is { } initial)
        {
            hocon.Append("retry.initial-backoff = ").AppendLine(HoconText.Duration(initial));
        }

        if (MaxBackoff is { } max)
        {
            hocon.Append("retry.max-backoff = ").AppendLine(HoconText.Duration(max));
        }
    }
}

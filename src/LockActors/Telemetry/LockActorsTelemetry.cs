namespace LockActors;

/// <summary>
/// The names to subscribe to for LockActors' metrics and traces. Both use only the BCL
/// (<see cref="System.Diagnostics.Metrics.Meter"/>, <see cref="System.Diagnostics.ActivitySource"/>): they cost next to
/// nothing until a listener subscribes, for example OpenTelemetry's <c>AddMeter(LockActorsTelemetry.MeterName)</c> and
/// <c>AddSource(LockActorsTelemetry.ActivitySourceName)</c>. The README's "Metrics and traces" section lists every
/// instrument, span and attribute.
/// </summary>
public static class LockActorsTelemetry
{
    /// <summary>The name of the one <see cref="System.Diagnostics.Metrics.Meter"/> every LockActors instrument belongs to: <c>LockActors</c>.</summary>
    public const string MeterName = "LockActors";

    /// <summary>The name of the one <see cref="System.Diagnostics.ActivitySource"/> every LockActors span comes from: <c>LockActors</c>.</summary>
    public const string ActivitySourceName = "LockActors";
}

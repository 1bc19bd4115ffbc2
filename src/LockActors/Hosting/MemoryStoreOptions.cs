using System.Text;

namespace LockActors.Hosting;

/// <summary>Hosting options for <c>lock-actors.stores.mem</c>.</summary>
public sealed class MemoryStoreOptions : LockStoreOptions
{
    /// <inheritdoc />
    public override string Scheme => "mem";

    /// <summary>True = one store per actor system (<c>scope = system</c>); false = shared by the process (default).</summary>
    public bool PerActorSystem { get; set; }

    /// <inheritdoc />
    protected override void AppendKeys(StringBuilder hocon) => hocon.Append("scope = ").AppendLine(PerActorSystem ? "system" : "process");
}

using Xunit;

namespace LockActors.TestServers.Interop;

/// <summary>A fact that needs the c2fo interop program: skipped, loudly, only ad hoc on a machine without Go.</summary>
public sealed class GoInteropFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public GoInteropFactAttribute() => Skip = C2foTool.SkipReason;
}

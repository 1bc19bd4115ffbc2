using Akka.Configuration;

namespace LockActors.Configuration;

/// <summary>Reads a HOCON file embedded in an assembly (the core's and each backend's <c>reference.conf</c>).</summary>
internal static class EmbeddedHocon
{
    /// <exception cref="InvalidOperationException">The resource is missing: the package was built wrong.</exception>
    public static Config Load(Type assemblyOf, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assemblyOf);
        using var stream = assemblyOf.Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{resourceName}' is missing from {assemblyOf.Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}

using System.Text;

namespace LockActors.Hosting;

/// <summary>Base of the per-backend Hosting options; each renders its own <c>lock-actors.stores.&lt;scheme&gt; { }</c> block.</summary>
public abstract class LockStoreOptions
{
    /// <summary>The URI scheme the options configure (<c>file</c>, <c>mem</c>, <c>s3</c>, <c>gs</c>, <c>sftp</c>).</summary>
    public abstract string Scheme { get; }

    /// <summary>
    /// The backend package's <see cref="Configuration.LockStoreProvider"/>, written as the section's <c>provider</c> key;
    /// null for the built-in <c>mem</c> and <c>file</c> stores.
    /// </summary>
    protected virtual Type? ProviderType => null;

    /// <summary>Appends <c>key = value</c> lines (inside the store's block) for every option that is set.</summary>
    protected abstract void AppendKeys(StringBuilder hocon);

    internal void AppendTo(StringBuilder hocon)
    {
        hocon.Append("lock-actors.stores.").Append(Scheme).AppendLine(" {");
        if (ProviderType is { } provider)
        {
            hocon.Append("provider = ").AppendLine(Quote($"{provider.FullName}, {provider.Assembly.GetName().Name}"));
        }

        AppendKeys(hocon);
        hocon.AppendLine("}");
    }

    /// <summary>Quotes a string for HOCON.</summary>
    protected static string Quote(string value) => HoconText.Quote(value);

    /// <summary>Renders a duration in milliseconds for HOCON.</summary>
    protected static string Duration(TimeSpan value) => HoconText.Duration(value);
}

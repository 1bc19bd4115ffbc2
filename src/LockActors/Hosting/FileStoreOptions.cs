using System.Text;

namespace LockActors.Hosting;

/// <summary>Hosting options for <c>lock-actors.stores.file</c>.</summary>
public sealed class FileStoreOptions : LockStoreOptions
{
    /// <inheritdoc />
    public override string Scheme => "file";

    /// <summary>Only targets under this directory are accepted (<c>root</c>).</summary>
    public string? Root { get; set; }

    /// <summary>How long a replace/delete waits for another process's check-and-write (<c>check-and-write-timeout</c>).</summary>
    public TimeSpan? CheckAndWriteTimeout { get; set; }

    /// <inheritdoc />
    protected override void AppendKeys(StringBuilder hocon)
    {
        if (Root is not null)
        {
            hocon.Append("root = ").AppendLine(Quote(Root));
        }

        if (CheckAndWriteTimeout is { } timeout)
        {
            hocon.Append("check-and-write-timeout = ").AppendLine(Duration(timeout));
        }
    }
}

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

    /// <summary>
    /// Run the store's system calls on the calling thread instead of a pool thread (<c>inline-io</c>, default off).
    /// Faster on a local disk; on a slow or hung file system it blocks an Akka dispatcher thread, which the
    /// store-operation timeout cannot interrupt. For local file systems only.
    /// </summary>
    public bool? InlineIo { get; set; }

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

        if (InlineIo is { } inline)
        {
            hocon.Append("inline-io = ").AppendLine(inline ? "on" : "off");
        }
    }
}

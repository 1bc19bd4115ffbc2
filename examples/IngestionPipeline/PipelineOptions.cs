using System.Globalization;

namespace IngestionPipeline;

/// <summary>Command-line options shared by the coordinator and its workers.</summary>
/// <param name="ClusterPorts">With <c>--cluster N</c>: the loopback remoting port of each of the N workers, which form one
/// Akka.NET cluster in LockActors' cluster mode (the first is the seed); null = independent workers.</param>
internal sealed record PipelineOptions(int Files, int Workers, string Directory, int? WorkerId, TimeSpan WorkPerFile, bool Metrics, int[]? ClusterPorts = null)
{
    public string Inbox => Path.Combine(Directory, "inbox");

    public string Archive => Path.Combine(Directory, "archive");

    public string Logs => Path.Combine(Directory, "logs");

    public static PipelineOptions Parse(string[] args)
    {
        var files = 2000;
        var workers = 4;
        var work = TimeSpan.FromMilliseconds(1);
        string? dir = null;
        int? workerId = null;
        var metrics = false;
        var cluster = 0;
        int[]? ports = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--files": files = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--dir": dir = Next(); break;
                case "--work-ms": work = TimeSpan.FromMilliseconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--worker": workerId = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--metrics": metrics = true; break;
                case "--cluster": cluster = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--cluster-ports": ports = [.. Next().Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))]; break;
                default: throw new ArgumentException($"unknown option {args[i]} (use --files N --workers N --dir PATH --work-ms N --metrics --cluster N)");
            }
        }

        if (files <= 0 || workers <= 0)
        {
            throw new ArgumentException("--files and --workers must be positive");
        }

        if (cluster < 0)
        {
            throw new ArgumentException("--cluster must be the number of cluster nodes (workers)");
        }

        if (cluster > 0)
        {
            workers = cluster; // one worker process per cluster node
            ports ??= FreeLoopbackPorts(cluster);
        }

        dir ??= System.IO.Directory.CreateTempSubdirectory("lockactors-ingest-").FullName;
        return new PipelineOptions(files, workers, Path.GetFullPath(dir), workerId, work, metrics, ports);
    }

    /// <summary>Ports the coordinator hands to its cluster workers (free when picked; loopback only).</summary>
    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners)
        {
            listener.Start();
        }

        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        return ports;
    }
}

using System.Diagnostics;

namespace LockActors.Tests.MultiProcess;

/// <summary>Starts <c>LockActors.ContentionWorker</c> as a separate OS process.</summary>
internal static class WorkerProcess
{
    public static string WorkerDll
    {
        get
        {
            // tests/LockActors.Tests/bin/<Configuration>/net10.0/ → tests/LockActors.ContentionWorker/bin/<Configuration>/net10.0/
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = here.Parent!.Name;
            var dll = Path.GetFullPath(Path.Combine(here.FullName, "..", "..", "..", "..", "LockActors.ContentionWorker", "bin", configuration, here.Name, "LockActors.ContentionWorker.dll"));
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build tests/LockActors.ContentionWorker first (the solution build does).", dll);
        }
    }

    public static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WorkerDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start the worker process");
    }
}

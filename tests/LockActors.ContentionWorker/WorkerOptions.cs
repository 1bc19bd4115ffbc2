using System.Globalization;

namespace LockActors.ContentionWorker;

/// <summary>"--name value" pairs from the command line.</summary>
internal sealed class WorkerOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static WorkerOptions Parse(IEnumerable<string> args)
    {
        var options = new WorkerOptions();
        var list = args.ToArray();
        for (var i = 0; i + 1 < list.Length; i += 2)
        {
            options._values[list[i].TrimStart('-')] = list[i + 1];
        }

        return options;
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");

    public string? Text(string name, string? fallback) => _values.TryGetValue(name, out var value) ? value : fallback;

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;
}

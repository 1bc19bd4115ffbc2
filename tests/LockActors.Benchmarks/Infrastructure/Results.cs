using System.Globalization;
using System.Text;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>Which direction of a figure is good; ratios are always "library relative to baseline, 1.0 = as good as raw".</summary>
public enum Better
{
    /// <summary>Throughput-like: ratio = library / baseline.</summary>
    Higher,

    /// <summary>Cost-like (time, bytes, requests): ratio = baseline / library.</summary>
    Lower,
}

/// <summary>Aggregate of one figure over all runs.</summary>
public sealed record FigureSummary(
    double LibMedian, double LibMin, double LibMax,
    double BaseMedian, double BaseMin, double BaseMax,
    double RatioMedian, double RatioMin, double RatioMax,
    double LibP50, double LibP99, double BaseP50, double BaseP99, int Runs);

public sealed class Figure(string scenario, string @case, string metric, string unit, Better better)
{
    public string Scenario { get; } = scenario;

    public string Case { get; } = @case;

    public string Metric { get; } = metric;

    public string Unit { get; } = unit;

    public Better Better { get; } = better;

    public List<double> Lib { get; } = [];

    public List<double> Base { get; } = [];

    public List<Latency?> LibLatency { get; } = [];

    public List<Latency?> BaseLatency { get; } = [];

    public string? Goal { get; set; }

    public Func<FigureSummary, bool>? GoalMet { get; set; }

    public double RatioOf(int run)
    {
        var lib = Lib[run];
        var b = Base[run];
        if (double.IsNaN(lib) || double.IsNaN(b))
        {
            return double.NaN;
        }

        return Better == Better.Higher ? (b == 0 ? double.NaN : lib / b) : (lib == 0 ? (b == 0 ? 1 : double.PositiveInfinity) : b / lib);
    }

    public FigureSummary Summarise()
    {
        var ratios = Enumerable.Range(0, Lib.Count).Select(RatioOf).ToList();
        static double Pick(List<Latency?> l, Func<Latency, double> f) => Stat.Median(l.Where(x => x is { Count: > 0 }).Select(x => f(x!.Value)).ToList());
        return new FigureSummary(
            Stat.Median(Lib), Stat.Min(Lib), Stat.Max(Lib),
            Stat.Median(Base), Stat.Min(Base), Stat.Max(Base),
            Stat.Median(ratios), Stat.Min(ratios), Stat.Max(ratios),
            Pick(LibLatency, x => x.P50Us), Pick(LibLatency, x => x.P99Us),
            Pick(BaseLatency, x => x.P50Us), Pick(BaseLatency, x => x.P99Us), Lib.Count);
    }
}

/// <summary>Collects every figure of a runner invocation and writes Markdown + CSV.</summary>
public sealed class Results
{
    private readonly List<Figure> _figures = [];
    private readonly Dictionary<string, (string Title, string Baseline)> _descriptions = [];
    private readonly Dictionary<string, List<string>> _notes = [];
    private readonly List<string> _scenarioOrder = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public void Describe(string scenario, string title, string baseline)
    {
        _descriptions[scenario] = (title, baseline);
        if (!_scenarioOrder.Contains(scenario))
        {
            _scenarioOrder.Add(scenario);
        }
    }

    public void Note(string scenario, string text)
    {
        if (!_notes.TryGetValue(scenario, out var list))
        {
            _notes[scenario] = list = [];
        }

        if (!list.Contains(text))
        {
            list.Add(text);
        }

        Console.WriteLine($"  [{scenario}] note: {text}");
    }

    /// <summary>Adds one run's value of a figure (library and its same-run baseline).</summary>
    public Figure Add(string scenario, string @case, string metric, string unit, Better better, double lib, double baseline, Latency? libLatency = null, Latency? baseLatency = null)
    {
        var figure = _figures.FirstOrDefault(f => f.Scenario == scenario && f.Case == @case && f.Metric == metric);
        if (figure is null)
        {
            figure = new Figure(scenario, @case, metric, unit, better);
            _figures.Add(figure);
        }

        figure.Lib.Add(lib);
        figure.Base.Add(baseline);
        figure.LibLatency.Add(libLatency);
        figure.BaseLatency.Add(baseLatency);
        var ratio = figure.RatioOf(figure.Lib.Count - 1);
        Console.WriteLine(
            $"  [{scenario}] {@case} · {metric}: library {Fmt(lib)} {unit}, baseline {Fmt(baseline)} {unit}, ratio {Fmt(ratio)}" +
            (libLatency is { Count: > 0 } l ? $" · lib p50 {Fmt(l.P50Us)} µs p99 {Fmt(l.P99Us)} µs" : string.Empty) +
            (baseLatency is { Count: > 0 } b ? $" · base p50 {Fmt(b.P50Us)} µs p99 {Fmt(b.P99Us)} µs" : string.Empty));
        return figure;
    }

    public void Goal(string scenario, string @case, string metric, string text, Func<FigureSummary, bool> met)
    {
        foreach (var f in _figures.Where(f => f.Scenario == scenario && f.Case == @case && f.Metric == metric))
        {
            f.Goal = text;
            f.GoalMet = met;
        }
    }

    public static string Fmt(double v)
    {
        if (double.IsNaN(v))
        {
            return "–";
        }

        if (double.IsPositiveInfinity(v))
        {
            return "∞";
        }

        var a = Math.Abs(v);
        var format = a >= 1000 ? "N0" : a >= 100 ? "F0" : a >= 10 ? "F1" : a >= 1 ? "F2" : "F3";
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    private static string Range(double median, double min, double max) =>
        double.IsNaN(median) ? "–" : min == max ? Fmt(median) : $"{Fmt(median)} ({Fmt(min)}–{Fmt(max)})";

    public string ToMarkdown(string header)
    {
        var sb = new StringBuilder();
        sb.AppendLine(header);
        foreach (var scenario in _scenarioOrder.Concat(_figures.Select(f => f.Scenario)).Distinct())
        {
            var (title, baseline) = _descriptions.TryGetValue(scenario, out var d) ? d : (scenario, string.Empty);
            sb.AppendLine().AppendLine($"## {title}").AppendLine();
            if (baseline.Length > 0)
            {
                sb.AppendLine($"Baseline: {baseline}").AppendLine();
            }

            var figures = _figures.Where(f => f.Scenario == scenario).ToList();
            if (figures.Count > 0)
            {
                sb.AppendLine("| case | metric | library median (min–max) | baseline median (min–max) | ratio median (min–max) | library p50 / p99 µs | baseline p50 / p99 µs | goal | met |");
                sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
                foreach (var f in figures)
                {
                    var s = f.Summarise();
                    var met = f.GoalMet is null ? string.Empty : f.GoalMet(s) ? "✅ yes" : "❌ no";
                    sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {f.Case} | {f.Metric} ({f.Unit}) | {Range(s.LibMedian, s.LibMin, s.LibMax)} | {Range(s.BaseMedian, s.BaseMin, s.BaseMax)} | " +
                        $"{Range(s.RatioMedian, s.RatioMin, s.RatioMax)} | {LatencyCell(s.LibP50, s.LibP99)} | {LatencyCell(s.BaseP50, s.BaseP99)} | {f.Goal ?? string.Empty} | {met} |"));
                }
            }

            if (_notes.TryGetValue(scenario, out var notes))
            {
                sb.AppendLine();
                foreach (var n in notes)
                {
                    sb.AppendLine($"- {n}");
                }
            }
        }

        return sb.ToString();
    }

    private static string LatencyCell(double p50, double p99) => double.IsNaN(p50) ? "–" : $"{Fmt(p50)} / {Fmt(p99)}";

    public string ToCsv()
    {
        var sb = new StringBuilder();
        sb.AppendLine("scenario,case,metric,unit,run,library,baseline,ratio,library_p50_us,library_p99_us,baseline_p50_us,baseline_p99_us,goal");
        foreach (var f in _figures)
        {
            for (var run = 0; run < f.Lib.Count; run++)
            {
                var l = f.LibLatency[run];
                var b = f.BaseLatency[run];
                sb.AppendLine(string.Join(',',
                    Csv(f.Scenario), Csv(f.Case), Csv(f.Metric), Csv(f.Unit), (run + 1).ToString(CultureInfo.InvariantCulture),
                    Num(f.Lib[run]), Num(f.Base[run]), Num(f.RatioOf(run)),
                    Num(l?.P50Us), Num(l?.P99Us), Num(b?.P50Us), Num(b?.P99Us), Csv(f.Goal ?? string.Empty)));
            }
        }

        return sb.ToString();
    }

    public string ToSummaryCsv()
    {
        var sb = new StringBuilder();
        sb.AppendLine("scenario,case,metric,unit,runs,library_median,library_min,library_max,baseline_median,baseline_min,baseline_max,ratio_median,ratio_min,ratio_max,library_p50_us,library_p99_us,baseline_p50_us,baseline_p99_us,goal,met");
        foreach (var f in _figures)
        {
            var s = f.Summarise();
            sb.AppendLine(string.Join(',',
                Csv(f.Scenario), Csv(f.Case), Csv(f.Metric), Csv(f.Unit), s.Runs.ToString(CultureInfo.InvariantCulture),
                Num(s.LibMedian), Num(s.LibMin), Num(s.LibMax), Num(s.BaseMedian), Num(s.BaseMin), Num(s.BaseMax),
                Num(s.RatioMedian), Num(s.RatioMin), Num(s.RatioMax), Num(s.LibP50), Num(s.LibP99), Num(s.BaseP50), Num(s.BaseP99),
                Csv(f.Goal ?? string.Empty), f.GoalMet is null ? string.Empty : f.GoalMet(s) ? "yes" : "no"));
        }

        return sb.ToString();
    }

    private static string Num(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("G6", CultureInfo.InvariantCulture) : string.Empty;

    private static string Csv(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}

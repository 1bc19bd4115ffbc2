using ScottPlot;

namespace LockActors.Benchmarks.Infrastructure;

/// <summary>PNG line charts of a library curve beside its raw baseline (ScottPlot; benchmark project only).</summary>
public static class Charts
{
    /// <summary>Draws library and baseline against a logarithmic x axis and saves the chart to <paramref name="path"/>.</summary>
    public static void Line(string path, string title, string xLabel, string yLabel, IReadOnlyList<(double X, double Lib, double Raw)> points)
    {
        var plot = new Plot();
        double[] xs = [.. points.Select(p => Math.Log10(p.X))];
        var lib = plot.Add.Scatter(xs, points.Select(p => p.Lib).ToArray());
        lib.LegendText = "LockActors";
        var raw = plot.Add.Scatter(xs, points.Select(p => p.Raw).ToArray());
        raw.LegendText = "raw baseline (same run)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = x => Math.Pow(10, x).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimitsY(0, Math.Max(points.Max(p => p.Lib), points.Max(p => p.Raw)) * 1.1);
        plot.Title(title);
        plot.XLabel(xLabel + " (log scale)");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, 900, 500);
    }
}

using System.Globalization;

namespace Grey.Integration.Tests.Mqtt;

/// <summary>The samples of a Prometheus text exposition (version 0.0.4), by series name with its labels as printed.</summary>
internal sealed class PrometheusText
{
    private readonly Dictionary<string, double> _samples;

    private PrometheusText(Dictionary<string, double> samples) => _samples = samples;

    public static PrometheusText Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                samples[line[..space]] = value;
            }
        }

        return new PrometheusText(samples);
    }

    /// <summary>The value of a series, when exposed (a node exposes its region link's series only once the link has started).</summary>
    public bool TryGet(string series, out long value)
    {
        bool found = _samples.TryGetValue(series, out double v);
        value = (long)v;
        return found;
    }

    /// <summary>The value of a series (<c>name</c> or <c>name{label="v"}</c>); throws when the exposition lacks it, so a renamed metric fails the test instead of reading 0.</summary>
    public long this[string series] => _samples.TryGetValue(series, out double v)
        ? (long)v
        : throw new KeyNotFoundException($"metric {series} not exposed (have: {string.Join(", ", _samples.Keys.Take(80))})");
}

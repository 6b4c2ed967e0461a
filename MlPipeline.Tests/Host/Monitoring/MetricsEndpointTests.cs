using System.Globalization;
using System.Text.RegularExpressions;

namespace MlPipeline.Tests.Host.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed partial class MetricsEndpointTests
{
    [Test]
    public async Task Metrics_MessagesFlow_ParsesAsPrometheusTextAndCountsMove()
    {
        await using var host = await MonitoringHost.StartAsync();
        await host.SubscribeAsync("probe", (_, _) => Task.CompletedTask);
        // Counted before anyone scraped: the exporter listens from start-up, not from the first scrape.
        await host.ProduceAsync(2);
        Assert.That(() => host.Handled("probe"), Is.EqualTo(2).After(20_000, 100));

        var before = PrometheusText.Parse(await host.Client.GetStringAsync("/metrics"));
        await host.ProduceAsync(3);
        Assert.That(() => host.Handled("probe"), Is.EqualTo(5).After(20_000, 100));
        var text = await host.Client.GetStringAsync("/metrics");
        var after = PrometheusText.Parse(text);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(after.Errors, Is.Empty, text);
            Assert.That(before.Errors, Is.Empty);
            Assert.That(before.Value("mlpipeline_messages_handled", "stage", "probe"), Is.EqualTo(2));
            Assert.That(after.Value("mlpipeline_messages_handled", "stage", "probe"), Is.EqualTo(5));
            Assert.That(after.Value("mlpipeline_messages_consumed", "stage", "probe"), Is.EqualTo(5));
            Assert.That(after.Value("mlpipeline_message_handling_duration_seconds_count", "stage", "probe"), Is.EqualTo(5));
            Assert.That(after.Value("mlpipeline_messages_produced", "topic", host.RawDataTopic), Is.GreaterThanOrEqualTo(5));
        }
    }
}

/// <summary>
/// A strict reader of the Prometheus text format (0.0.4): every sample line is <c>name{labels} value</c>, every
/// HELP/TYPE comment names a metric once, and each sample belongs to the family of the last TYPE seen.
/// </summary>
internal sealed partial class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> samples = [];

    public List<string> Errors { get; } = [];

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        var typed = new Dictionary<string, string>(StringComparer.Ordinal);
        var helped = new HashSet<string>(StringComparer.Ordinal);
        string? family = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var comment = CommentLine().Match(line);
                if (!comment.Success)
                {
                    continue;
                }

                var name = comment.Groups["name"].Value;
                if (comment.Groups["kind"].Value == "TYPE")
                {
                    if (!typed.TryAdd(name, comment.Groups["rest"].Value.Trim()))
                    {
                        result.Errors.Add($"second TYPE for {name}");
                    }

                    if (comment.Groups["rest"].Value.Trim() is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    {
                        result.Errors.Add($"unknown type in: {line}");
                    }

                    family = name;
                }
                else if (!helped.Add(name))
                {
                    result.Errors.Add($"second HELP for {name}");
                }

                continue;
            }

            var sample = SampleLine().Match(line);
            if (!sample.Success || !double.TryParse(sample.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && sample.Groups["value"].Value is not ("+Inf" or "-Inf" or "NaN"))
            {
                result.Errors.Add($"not a sample line: {line}");
                continue;
            }

            var sampleName = sample.Groups["name"].Value;
            var type = family is null ? null : typed.GetValueOrDefault(family);
            var belongs = sampleName == family
                || (type is "histogram" or "summary" && sampleName is { } n && (n == family + "_bucket" || n == family + "_sum" || n == family + "_count"));
            if (!belongs)
            {
                result.Errors.Add($"sample {sampleName} outside its TYPE family {family}");
            }

            var labels = LabelPair().Matches(sample.Groups["labels"].Value)
                .ToDictionary(match => match.Groups["key"].Value, match => match.Groups["value"].Value, StringComparer.Ordinal);
            result.samples.Add((sampleName, labels, value));
        }

        return result;
    }

    /// <summary>Sum of the samples of <paramref name="name"/> whose label <paramref name="label"/> is <paramref name="labelValue"/>.</summary>
    /// <summary>Sum of every sample of <paramref name="name"/>, whatever its labels.</summary>
    public double Value(string name) => samples.Where(sample => sample.Name == name).Sum(sample => sample.Value);

    public double Value(string name, string label, string labelValue) =>
        samples.Where(sample => sample.Name == name && sample.Labels.GetValueOrDefault(label) == labelValue).Sum(sample => sample.Value);

    [GeneratedRegex(@"^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) ?(?<rest>.*)$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*"",?)*\})? (?<value>\S+)( -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}

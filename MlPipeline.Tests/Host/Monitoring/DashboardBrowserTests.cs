using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Monitoring;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed partial class DashboardBrowserTests
{
    /// <summary>When set, the test also saves its screenshot there (how docs/dashboard.png is made).</summary>
    private const string ScreenshotVariable = "MLPIPELINE_DASHBOARD_SCREENSHOT";

    private static readonly TimeSpan ScriptBudget = TimeSpan.FromSeconds(3);

    [Test]
    public async Task Dashboard_InHeadlessChromiumWhileDataFlows_ShowsTheLiveFiguresOfApiStatus()
    {
        await using var host = await MonitoringHost.StartAsync();
        await MakeDataFlowAsync(host);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var dom = await HeadlessChromium.DumpDomAsync(host.Client.BaseAddress!, ScriptBudget, timeout.Token);
        var status = await host.GetJsonAsync("/api/status");

        var stage = status.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "ingest-demo");
        var lag = status.GetProperty("lag").EnumerateArray().Single(g => g.GetProperty("group_id").GetString() == stage.GetProperty("group_id").GetString());
        var model = status.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == "synthetic");
        var drift = status.GetProperty("drift").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "x1");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Attribute(dom, "body", "data-loaded"), Is.EqualTo("true"), "the page rendered from the API");
            Assert.That(Field(dom, "data-stage", "ingest-demo", "handled"), Is.EqualTo(stage.GetProperty("handled").GetInt64().ToString(CultureInfo.InvariantCulture)));
            Assert.That(Field(dom, "data-stage", "ingest-demo", "handled"), Is.EqualTo("7"));
            Assert.That(Field(dom, "data-stage", "ingest-demo", "state"), Is.EqualTo(stage.GetProperty("state").GetString()));
            Assert.That(Field(dom, "data-lag-group", lag.GetProperty("group_id").GetString()!, "total_lag"), Is.EqualTo(lag.GetProperty("total_lag").GetInt64().ToString(CultureInfo.InvariantCulture)));
            Assert.That(Field(dom, "data-model", "synthetic", "version"), Is.EqualTo(model.GetProperty("current_version").GetInt32().ToString(CultureInfo.InvariantCulture)));
            Assert.That(Field(dom, "data-model", "synthetic", "r_squared"), Is.EqualTo(model.GetProperty("r_squared").GetDouble().ToString("0.0000", CultureInfo.InvariantCulture)));
            Assert.That(Field(dom, "data-drift", "synthetic/x1", "psi"), Is.EqualTo(drift.GetProperty("psi").GetDouble().ToString("0.0000", CultureInfo.InvariantCulture)));
            Assert.That(Attribute(dom, "span id=\"health\"", "data-value"), Is.EqualTo(status.GetProperty("healthy").GetBoolean() ? "true" : "false"));
        }

        using var shots = new TemporaryDirectory();
        var screenshot = Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } wanted ? wanted : Path.Combine(shots.Path, "dashboard.png");
        await HeadlessChromium.SaveScreenshotAsync(host.Client.BaseAddress!, screenshot, ScriptBudget, timeout.Token);
        Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(1000), "a screenshot was written");
    }

    /// <summary>Messages through a stage, a promoted model, and shifted prediction requests (so drift and alerts show).</summary>
    private static async Task MakeDataFlowAsync(MonitoringHost host)
    {
        await host.SubscribeAsync("ingest-demo", (_, _) => Task.CompletedTask);
        await host.ProduceAsync(7);

        var trained = TrainedModels.TrainSynthetic(SyntheticRegressionData.Generate(300, seed: 3));
        host.Runner.Service<FeatureDriftMonitor>().SetBaseline("synthetic", 2, trained.Report);
        await host.PublishTrainingEventAsync(new ModelTrainingEvent(
            ModelTrainingEventKind.Promoted, "synthetic", 2, "demo", trained.Report.Metrics, 1, trained.Report.Metrics, false, "better"));
        var observers = host.Runner.App.Services.GetServices<IPredictionObserver>().ToArray();
        var random = new Random(5);
        for (var i = 0; i < 60; i++)
        {
            var features = new Dictionary<string, object?> { ["x1"] = 8 + (random.NextDouble() * 6), ["x2"] = random.NextDouble() * 5, ["category"] = "A" };
            foreach (var observer in observers)
            {
                observer.OnPrediction(new PredictionObservation("synthetic", 2, features, 30, null, TimeSpan.FromMilliseconds(3 + random.Next(5))));
            }
        }

        // Wait for the figures to settle: everything handled and committed, the model announced, the drift alert raised.
        Assert.That(() => host.Handled("ingest-demo"), Is.EqualTo(7).After(20_000, 100));
        Assert.That(async () => await LagSettledAsync(host), Is.True.After(20_000, 200));
        Assert.That(async () => (await host.GetJsonAsync("/api/status")).GetProperty("models").GetArrayLength(), Is.EqualTo(1).After(20_000, 200));
        Assert.That(
            async () => (await host.GetJsonAsync("/api/alerts")).GetProperty("open").EnumerateArray().Select(alert => alert.GetProperty("rule").GetString()),
            Does.Contain("drift").After(20_000, 200));
    }

    private static async Task<bool> LagSettledAsync(MonitoringHost host)
    {
        var status = await host.GetJsonAsync("/api/status");
        return status.GetProperty("lag").EnumerateArray().Any(group =>
            group.GetProperty("group_id").GetString() == $"{MonitoringHost.BaseGroup}.ingest-demo"
            && group.GetProperty("partitions").GetArrayLength() > 0
            && group.GetProperty("total_lag").GetInt64() == 0);
    }

    /// <summary>The text of the <c>data-field</c> cell in the row whose <paramref name="rowAttribute"/> is <paramref name="rowKey"/>.</summary>
    private static string? Field(string dom, string rowAttribute, string rowKey, string field)
    {
        var row = Regex.Match(dom, $"<tr [^>]*{rowAttribute}=\"{Regex.Escape(rowKey)}\"[^>]*>(?<cells>.*?)</tr>", RegexOptions.Singleline);
        if (!row.Success)
        {
            return null;
        }

        var cell = Regex.Match(row.Groups["cells"].Value, $"data-field=\"{field}\"[^>]*>(?<text>[^<]*)<");
        return cell.Success ? System.Net.WebUtility.HtmlDecode(cell.Groups["text"].Value) : null;
    }

    private static string? Attribute(string dom, string elementStart, string attribute)
    {
        var element = Regex.Match(dom, $"<{elementStart}[^>]*>");
        var value = Regex.Match(element.Value, $"{attribute}=\"(?<value>[^\"]*)\"");
        return value.Success ? value.Groups["value"].Value : null;
    }
}

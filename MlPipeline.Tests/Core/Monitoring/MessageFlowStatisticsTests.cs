using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Monitoring;

namespace MlPipeline.Tests.Core.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed class MessageFlowStatisticsTests
{
    private const string Group = "ml-pipeline-consumer-group.processing";

    private static (MessageFlowStatistics Statistics, FakeTimeProvider Clock) Create()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return (new MessageFlowStatistics(clock, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)), clock);
    }

    [Test]
    public void Within_OlderCountsLeaveTheWindow_TotalKeepsThem()
    {
        var (statistics, clock) = Create();
        statistics.Record(Group, "raw", FlowCount.DeadLettered, 3);
        clock.Advance(TimeSpan.FromMinutes(2));
        statistics.Record(Group, "raw", FlowCount.DeadLettered);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(statistics.Within(Group, FlowCount.DeadLettered, TimeSpan.FromMinutes(1)), Is.EqualTo(1));
            Assert.That(statistics.Within(Group, FlowCount.DeadLettered, TimeSpan.FromMinutes(5)), Is.EqualTo(4));
            Assert.That(statistics.Total(Group, FlowCount.DeadLettered), Is.EqualTo(4));
        }
    }

    [Test]
    public void Series_CountsPerBucket_OldestFirstCurrentLast()
    {
        var (statistics, clock) = Create();
        statistics.Record(Group, "raw", FlowCount.Handled, 2);
        clock.Advance(TimeSpan.FromSeconds(5));
        statistics.Record(Group, "raw", FlowCount.Handled, 7);

        var series = statistics.Series(Group, FlowCount.Handled);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(series, Has.Length.EqualTo(MessageFlowStatistics.SeriesPoints));
            Assert.That(series[^2..], Is.EqualTo(new long[] { 2, 7 }));
            Assert.That(series[..^2], Is.All.Zero);
        }
    }

    [Test]
    public void RatePerSecond_CompleteBucketsOnly_AveragesOverTheWindow()
    {
        var (statistics, clock) = Create();
        statistics.Record(Group, "raw", FlowCount.Handled, 30);
        clock.Advance(TimeSpan.FromSeconds(5));
        statistics.Record(Group, "raw", FlowCount.Handled, 1000); // current, partial bucket: left out

        Assert.That(statistics.RatePerSecond(Group, FlowCount.Handled, TimeSpan.FromSeconds(30)), Is.EqualTo(1.0));
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>The per-address limit on rejected-frame warnings, driven by a fake clock.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class RejectedFrameLogTests
{
    private const string Client = "10.0.0.7";

    [Test]
    public void ThousandRejectionsFromOneAddress_OnlyTheFirstIsAWarning()
    {
        using var setup = new Setup();

        var levels = Enumerable.Range(0, 1_000).Select(_ => setup.Limiter.LevelFor(Client)).ToArray();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(levels[0], Is.EqualTo(LogLevel.Warning));
            Assert.That(levels[1..], Is.All.EqualTo(LogLevel.Debug));
        }
    }

    [Test]
    public void WindowEnds_OneSummaryWarningCountsTheSuppressed_AndTheNextRejectionWarnsAgain()
    {
        using var setup = new Setup();
        for (int i = 0; i < 1_000; i++) setup.Limiter.LevelFor(Client);

        setup.Clock.Advance(RejectedFrameLog.Window);
        var next = setup.Limiter.LevelFor(Client);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Logs.AtLeast(LogLevel.Warning).Select(e => e.Message),
                Is.EqualTo(new[] { $"999 more rejected frames from {Client} in the last 60 s (each logged at Debug)" }));
            Assert.That(next, Is.EqualTo(LogLevel.Warning));
        }
    }

    [Test]
    public void WindowWithASingleRejection_EndsWithoutASummary()
    {
        using var setup = new Setup();
        setup.Limiter.LevelFor(Client);

        setup.Clock.Advance(RejectedFrameLog.Window);

        Assert.That(setup.Logs.Entries, Is.Empty);
    }

    [Test]
    public void DifferentAddresses_AreLimitedSeparately()
    {
        using var setup = new Setup();
        setup.Limiter.LevelFor(Client);

        Assert.That(setup.Limiter.LevelFor("10.0.0.8"), Is.EqualTo(LogLevel.Warning));
    }

    [Test]
    public void AddressesBeyondTheTrackedLimit_ShareOneWindow()
    {
        using var setup = new Setup();

        int warnings = Enumerable.Range(0, RejectedFrameLog.MaxTrackedClients + 500)
            .Count(i => setup.Limiter.LevelFor($"client-{i}") == LogLevel.Warning);

        Assert.That(warnings, Is.EqualTo(RejectedFrameLog.MaxTrackedClients + 1));
    }

    [Test]
    public void Dispose_WritesThePendingSummary()
    {
        var setup = new Setup();
        setup.Limiter.LevelFor(Client);
        setup.Limiter.LevelFor(Client);

        setup.Dispose();

        Assert.That(setup.Logs.AtLeast(LogLevel.Warning).Select(e => e.Message), Has.One.Contains($"1 more rejected frames from {Client}"));
    }

    private sealed class Setup : IDisposable
    {
        private readonly ILoggerFactory _factory;

        public Setup()
        {
            _factory = Logs.CreateFactory();
            Limiter = new RejectedFrameLog(_factory.CreateLogger<RejectedFrameLog>(), Clock);
        }

        public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        public CapturingLoggerProvider Logs { get; } = new();

        public RejectedFrameLog Limiter { get; }

        public void Dispose()
        {
            Limiter.Dispose();
            _factory.Dispose();
            Logs.Dispose();
        }
    }
}

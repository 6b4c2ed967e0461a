using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;
using MlPipeline.Host.Hosting;

namespace MlPipeline.Tests.Host.Hosting;

/// <summary>Which per-category levels the host applies, in production and in Development.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class LoggingRegistrationTests
{
    [Test]
    public void EffectiveLevels_Production_HoldsPerRequestCategoriesAtWarningUnlessTheFileNamesThem()
    {
        var options = new LoggingOptions { Levels = { ["System.Net.Http"] = LogLevel.Debug, ["MlPipeline.Core.Stages"] = LogLevel.Trace } };

        var levels = LoggingRegistration.EffectiveLevels(options, isDevelopment: false);

        Assert.That(levels, Is.EquivalentTo(new Dictionary<string, LogLevel>
        {
            ["Microsoft.AspNetCore"] = LogLevel.Warning,
            ["System.Net.Http"] = LogLevel.Debug,
            ["MlPipeline.Core.Stages"] = LogLevel.Trace,
        }));
    }

    [Test]
    public void EffectiveLevels_Development_KeepsOnlyTheFilesOwnLevels()
    {
        var options = new LoggingOptions { Levels = { ["MlPipeline.Core.Stages"] = LogLevel.Debug } };

        var levels = LoggingRegistration.EffectiveLevels(options, isDevelopment: true);

        Assert.That(levels, Is.EquivalentTo(new Dictionary<string, LogLevel> { ["MlPipeline.Core.Stages"] = LogLevel.Debug }));
    }
}

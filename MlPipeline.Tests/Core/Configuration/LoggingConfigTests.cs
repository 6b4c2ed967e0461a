using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Tests.Core.Configuration;

/// <summary>The <c>logging:</c> section: level, per-category levels and format.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class LoggingConfigTests
{
    [Test]
    public void Load_LoggingSection_BindsLevelCategoriesAndFormat()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load("""
            logging:
              level: warning
              levels:
                MlPipeline.Core.Stages: debug
                Microsoft.AspNetCore: Information
              format: json
            """);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Logging.Level, Is.EqualTo(LogLevel.Warning));
            Assert.That(config.Logging.Levels, Is.EquivalentTo(new Dictionary<string, LogLevel>
            {
                ["MlPipeline.Core.Stages"] = LogLevel.Debug,
                ["Microsoft.AspNetCore"] = LogLevel.Information,
            }));
            Assert.That(config.Logging.Format, Is.EqualTo(LogFormat.Json));
        }
    }

    [Test]
    public void Load_SeedFile_KeepsTheLoggingDefaults()
    {
        var logging = PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment).Logging;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(logging.Level, Is.EqualTo(LogLevel.Information));
            Assert.That(logging.Levels, Is.Empty);
            Assert.That(logging.Format, Is.Null, "chosen at start-up: systemd under systemd, otherwise simple");
        }
    }

    [TestCase("logging:\n  level: chatty\n", "logging.level = 'chatty' is not one of trace, debug, information, warning, error, critical, none")]
    [TestCase("logging:\n  levels:\n    MlPipeline: loud\n", "logging.levels.MlPipeline = 'loud' is not one of trace, debug")]
    [TestCase("logging:\n  levels:\n    MlPipeline:\n      - debug\n", "logging.levels.MlPipeline must be a single value")]
    [TestCase("logging:\n  levels: debug\n", "logging.levels must be a section of 'name: value' lines")]
    [TestCase("logging:\n  format: xml\n", "logging.format = 'xml' is not one of simple, json, systemd")]
    [TestCase("logging:\n  lvel: debug\n", "logging.lvel is not a known key")]
    public void Load_InvalidLoggingValue_FailsNamingTheKey(string yaml, string expected)
    {
        using var directory = new TemporaryConfigDirectory();

        var error = Assert.Throws<ConfigurationException>(() => directory.Load(yaml));

        Assert.That(error!.Message, Does.Contain(expected));
    }
}

using MlPipeline.Core.Configuration;

namespace MlPipeline.Tests.Core.Configuration;

/// <summary>The <c>serving:</c> section and the model store keys of <c>training:</c>: seed values, overrides and rules.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ServingConfigurationTests
{
    [Test]
    public void Load_SeedFile_HasTheServingDefaults()
    {
        var config = PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Serving.DefaultModel, Is.EqualTo("sales"));
            Assert.That(config.Serving.ResultsCacheSize, Is.EqualTo(10_000));
            Assert.That(config.Serving.ResultsTtlSeconds, Is.EqualTo(300));
            Assert.That(config.Serving.MaxWaitMs, Is.EqualTo(30_000));
            Assert.That(config.Serving.MaxRequestBytes, Is.EqualTo(1_048_576));
            Assert.That(config.Serving.BatchSize, Is.EqualTo(1_000));
            Assert.That(config.Serving.EnginePoolSize, Is.EqualTo(8));
            Assert.That(config.Training.ModelsDir, Is.EqualTo("models"));
            Assert.That(config.Training.KeepVersions, Is.EqualTo(5));
        }
    }

    [Test]
    public void Load_ServingKeys_AreBound()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load("serving:\n  default_model: churn\n  results_ttl_seconds: 7\n  max_batch_requests: 3\ntraining:\n  models_dir: /srv/models\n  keep_versions: 2\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Serving.DefaultModel, Is.EqualTo("churn"));
            Assert.That(config.Serving.ResultsTtlSeconds, Is.EqualTo(7));
            Assert.That(config.Serving.MaxBatchRequests, Is.EqualTo(3));
            Assert.That(config.Training.ModelsDir, Is.EqualTo("/srv/models"));
            Assert.That(config.Training.KeepVersions, Is.EqualTo(2));
        }
    }

    [TestCase("serving:\n  default_model: \".hidden\"", "serving.default_model = '.hidden' is not a model name")]
    [TestCase("serving:\n  results_cache_size: 0", "serving.results_cache_size = '0' must be between 1 and 10000000")]
    [TestCase("serving:\n  results_ttl_seconds: 0", "serving.results_ttl_seconds = '0' must be between 1 and 86400")]
    [TestCase("serving:\n  max_wait_ms: -1", "serving.max_wait_ms = '-1' must be between 0 and 300000")]
    [TestCase("serving:\n  max_request_bytes: 10", "serving.max_request_bytes = '10' must be between 64 and 100000000")]
    [TestCase("serving:\n  max_batch_requests: 0", "serving.max_batch_requests = '0' must be between 1 and 100000")]
    [TestCase("serving:\n  batch_size: 0", "serving.batch_size = '0' must be between 1 and 1000000")]
    [TestCase("serving:\n  engine_pool_size: 0", "serving.engine_pool_size = '0' must be between 1 and 1024")]
    [TestCase("serving:\n  cache: 5", "serving.cache is not a known key")]
    [TestCase("training:\n  models_dir: \"\"", "training.models_dir = '' is empty")]
    [TestCase("training:\n  keep_versions: 0", "training.keep_versions = '0' must be between 1 and 10000")]
    public void Load_InvalidServingValue_NamesTheKey(string yaml, string expected)
    {
        using var directory = new TemporaryConfigDirectory();

        var error = Assert.Throws<ConfigurationException>(() => directory.Load(yaml + "\n"));

        Assert.That(error!.Message, Does.Contain(expected));
    }
}

using MlPipeline.Core.Configuration;
using MlPipeline.Core.Security;

namespace MlPipeline.Tests.Core.Configuration;

/// <summary>The <c>auth:</c> and <c>rate_limits:</c> sections, and the keys of MLPIPELINE_API_KEYS.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class AuthConfigurationTests
{
    private static readonly string Digest = ApiKeyRing.Digest("a-key-long-enough-to-use");

    [Test]
    public void Load_SeedFile_ListensOnLoopbackWithNoKeysAndRateLimitsOn()
    {
        var config = PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Http.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(config.Auth.AllowAnonymous, Is.False);
            Assert.That(config.Auth.ApiKeys, Is.Empty);
            Assert.That(config.RateLimits.Enabled, Is.True);
            Assert.That(config.RateLimits.PredictPerSecond, Is.EqualTo(200));
            Assert.That(config.RateLimits.AdminPerMinute, Is.EqualTo(60));
        }
    }

    [Test]
    public void Load_ApiKeysInBlockAndFlowStyle_AreBoundAndFindTheirKey()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load($"auth:\n  api_keys:\n    - {{ name: ops, role: admin, sha256: {Digest} }}\n    - name: shop\n      role: predict\n      sha256: {Digest.ToUpperInvariant()[..63]}0\n");
        var ring = ApiKeyRing.Load(config.Auth, TemporaryConfigDirectory.NoEnvironment, "test");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Auth.ApiKeys.Select(key => (key.Name, key.Role)), Is.EqualTo(new[] { ("ops", "admin"), ("shop", "predict") }));
            Assert.That(ring.Find("a-key-long-enough-to-use"), Is.EqualTo(new ApiKeyIdentity("ops", "admin")));
            Assert.That(ring.Find("another-key-of-some-length"), Is.Null);
        }
    }

    [TestCase("auth:\n  api_keys:\n    - { name: ops, role: root, sha256: DIGEST }", "auth.api_keys[0].role = 'root' is not one of: predict, admin")]
    [TestCase("auth:\n  api_keys:\n    - { name: ops, role: admin, sha256: my-plain-key }", "auth.api_keys[0].sha256 must be the key's SHA-256 as 64 hex digits")]
    [TestCase("auth:\n  api_keys:\n    - { name: \"\", role: admin, sha256: DIGEST }", "auth.api_keys[0].name = '' must name who holds the key")]
    [TestCase("auth:\n  api_keys:\n    - { name: a, role: admin, sha256: DIGEST }\n    - { name: a, role: predict, sha256: DIGEST }", "auth.api_keys[1].name = 'a' is used by another key")]
    [TestCase("auth:\n  api_keys:\n    - { name: a, rol: admin, sha256: DIGEST }", "auth.api_keys[0].rol is not a known key")]
    [TestCase("auth:\n  api_keys: ops", "auth.api_keys must be a list of '- key: value' sections")]
    [TestCase("rate_limits:\n  predict_per_second: 0", "rate_limits.predict_per_second = '0' must be between 1 and 1000000")]
    [TestCase("rate_limits:\n  admin_per_minute: 0", "rate_limits.admin_per_minute = '0' must be between 1 and 1000000")]
    public void Load_BadAuthOrRateLimitValue_FailsNamingTheKey(string yaml, string expected)
    {
        using var directory = new TemporaryConfigDirectory();

        var error = Assert.Throws<ConfigurationException>(() => directory.Load(yaml.Replace("DIGEST", Digest, StringComparison.Ordinal)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain(expected));
            Assert.That(error.Message, Does.Not.Contain("my-plain-key"), "a mistaken secret is never echoed");
        }
    }

    [TestCase("root:a-key-long-enough-to-use", "entry 1 must be 'predict:KEY' or 'admin:KEY'")]
    [TestCase("admin:a-key-long-enough-to-use,predict:tiny1", "entry 2 has a key shorter than 16 characters")]
    [TestCase("a-key-long-enough-to-use", "entry 1 must be 'predict:KEY' or 'admin:KEY'")]
    public void Load_MalformedEnvironmentKeys_FailWithoutEchoingTheKey(string variable, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => ApiKeyRing.Load(
            new AuthOptions(), new Dictionary<string, string?> { [ApiKeyRing.EnvironmentVariable] = variable }, "test"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain($"{ApiKeyRing.EnvironmentVariable} {expected}"));
            Assert.That(error.Message, Does.Not.Contain("a-key-long-enough-to-use").And.Not.Contain("tiny1"));
        }
    }
}

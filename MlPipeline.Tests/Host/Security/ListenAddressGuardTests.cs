using System.Net;
using MlPipeline.Core.Security;
using MlPipeline.Tests.Host.Cli;

namespace MlPipeline.Tests.Host.Security;

/// <summary>The API never listens beyond this machine without a key unless the operator says so.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ListenAddressGuardTests
{
    [TestCase("http://127.0.0.1:8000", true)]
    [TestCase("http://127.0.0.2:8000", true)]
    [TestCase("http://localhost:8000", true)]
    [TestCase("http://[::1]:8000", true)]
    [TestCase("http://0.0.0.0:8000", false)]
    [TestCase("http://[::]:8000", false)]
    [TestCase("http://*:8000", false)]
    [TestCase("http://+:8000", false)]
    [TestCase("http://192.168.1.20:8000", false)]
    [TestCase("http://example.com:8000", false)]
    public void IsLoopback_TellsLocalAddressesFromExposedOnes(string url, bool loopback) =>
        Assert.That(ListenAddressGuard.IsLoopback(url), Is.EqualTo(loopback));

    [Test]
    public async Task Serve_NonLoopbackWithoutKey_ExitsWithUsageAndOneLineSayingHowToAddAKey()
    {
        using var cli = new CommandLineRunner("http:\n  host: 0.0.0.0\n  port: 0\nbroker:\n  mode: embedded\n  port: 0\n  data_dir: \"{dir}/broker\"\n");

        var outcome = await cli.RunAsync("serve");

        var lines = outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(2), outcome.ToString());
            Assert.That(lines, Has.Length.EqualTo(1), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("http://0.0.0.0:0").And.Contain("keys create NAME --role admin").And.Contain("auth.allow_anonymous"));
            Assert.That(Directory.Exists(Path.Combine(cli.DirectoryPath, "broker")), Is.False, "nothing started before the refusal");
        }
    }

    [Test]
    public async Task Serve_UrlsOptionExposingTheApiWithoutKey_IsRefusedToo()
    {
        using var cli = new CommandLineRunner("broker:\n  mode: embedded\n  port: 0\n  data_dir: \"{dir}/broker\"\n");

        var outcome = await cli.RunAsync("serve", "--urls", "http://127.0.0.1:0;http://0.0.0.0:0");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(2), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("refusing to listen on http://0.0.0.0:0"));
        }
    }

    [Test]
    public async Task NonLoopbackWithAllowAnonymous_Starts()
    {
        await using var host = await PipelineHostRunner.StartAsync("http:\n  host: 0.0.0.0\n  port: 0\nauth:\n  allow_anonymous: true\n");

        using var client = LoopbackClient(host);
        Assert.That(async () => (await client.GetAsync("/api/status")).StatusCode, Is.EqualTo(HttpStatusCode.OK).After(20_000, 200));
    }

    [Test]
    public async Task NonLoopbackWithKeyFromEnvironment_StartsAndRequiresTheKey()
    {
        var key = ApiKeyGenerator.NewKey();
        await using var host = await PipelineHostRunner.StartAsync(
            "http:\n  host: 0.0.0.0\n  port: 0\n", new Dictionary<string, string?> { [ApiKeyRing.EnvironmentVariable] = $"predict:{key}" });

        using var client = LoopbackClient(host);
        using var anonymous = await client.GetAsync("/api/status");
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var withKey = await client.GetAsync("/api/status");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(withKey.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    // The host reports http://0.0.0.0:PORT; connect through loopback, which every interface includes.
    private static HttpClient LoopbackClient(PipelineHostRunner host) =>
        new() { BaseAddress = new UriBuilder(host.Client.BaseAddress!) { Host = "127.0.0.1" }.Uri, Timeout = TimeSpan.FromSeconds(30) };
}

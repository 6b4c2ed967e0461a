using System.Net;
using System.Text.RegularExpressions;
using MlPipeline.Core.Security;
using MlPipeline.Tests.Host.Cli;

namespace MlPipeline.Tests.Host.Security;

/// <summary><c>keys create</c>: the key is printed once, and the printed configuration line makes the host accept it.</summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class KeysCommandTests
{
    [Test]
    public async Task KeysCreate_PrintedLineInConfiguration_MakesTheHostAcceptThePrintedKeyWithItsRole()
    {
        var outcome = await CommandLineRunner.InvokeAsync(["keys", "create", "ci-bot", "--role", "admin"]);
        var key = KeyLine().Match(outcome.Output).Groups[1].Value;
        var yamlLine = outcome.Output.Split('\n').Single(line => line.TrimStart().StartsWith("- {", StringComparison.Ordinal));

        Assert.That(outcome.ExitCode, Is.Zero, outcome.ToString());
        Assert.That(yamlLine, Does.Not.Contain(key).And.Contain(ApiKeyRing.Digest(key)).And.Contain("role: admin").And.Contain("\"ci-bot\""));

        await using var host = await PipelineHostRunner.StartAsync($"auth:\n  api_keys:\n{yamlLine}\n");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/train") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", key);
        using var response = await host.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task KeysCreate_TwoRuns_PrintDifferentLongKeys()
    {
        var first = KeyLine().Match((await CommandLineRunner.InvokeAsync(["keys", "create", "a"])).Output).Groups[1].Value;
        var second = KeyLine().Match((await CommandLineRunner.InvokeAsync(["keys", "create", "a"])).Output).Groups[1].Value;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Has.Length.GreaterThanOrEqualTo(40));
            Assert.That(second, Is.Not.EqualTo(first));
        }
    }

    [Test]
    public async Task KeysCreate_UnknownRole_ExitsWithUsage()
    {
        var outcome = await CommandLineRunner.InvokeAsync(["keys", "create", "a", "--role", "root"]);
        Assert.That(outcome.ExitCode, Is.EqualTo(2), outcome.ToString());
    }

    [GeneratedRegex(@"^\s+(mlp_[A-Za-z0-9_-]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex KeyLine();
}

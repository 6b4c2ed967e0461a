using System.Net;
using System.Text.RegularExpressions;
using MlPipeline.Core.Security;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Security;

/// <summary>The dashboard page stays open when the API needs a key, and asks for one instead of failing silently.</summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class DashboardKeyPromptTests
{
    [Test]
    public async Task Dashboard_ApiNeedsAKey_PageLoadsAndShowsTheKeyForm()
    {
        await using var host = await PipelineHostRunner.StartAsync(
            "", new Dictionary<string, string?> { [ApiKeyRing.EnvironmentVariable] = $"predict:{ApiKeyGenerator.NewKey()}" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        using var page = await host.Client.GetAsync("/");
        var dom = await HeadlessChromium.DumpDomAsync(host.Client.BaseAddress!, TimeSpan.FromSeconds(3), timeout.Token);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(KeyForm().Match(dom).Value, Is.Not.Empty.And.Not.Contain("hidden"), "the key form is shown");
            Assert.That(dom, Does.Contain("This service needs an API key"));
            Assert.That(dom, Does.Contain("data-loaded=\"false\""));
        }
    }

    [GeneratedRegex("<form id=\"key-form\"[^>]*>")]
    private static partial Regex KeyForm();
}

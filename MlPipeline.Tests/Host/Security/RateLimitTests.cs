using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MlPipeline.Core.Security;

namespace MlPipeline.Tests.Host.Security;

/// <summary>Request budgets through the real host: per key, separate for predict/read and admin calls, 429 with Retry-After.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class RateLimitTests
{
    private static readonly string First = ApiKeyGenerator.NewKey();
    private static readonly string Second = ApiKeyGenerator.NewKey();
    private static readonly string Admin = ApiKeyGenerator.NewKey();

    [Test]
    public async Task PredictBudget_UsedUpByOneKey_Answers429WithRetryAfterWhileAnotherKeyIsStillServed()
    {
        await using var host = await StartAsync("rate_limits:\n  predict_per_second: 1\n  predict_burst: 3\n  admin_per_minute: 100\n");

        // 3 in the burst plus at most a few replenished on a slow machine: 12 quick calls must run out.
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? rejected = null;
        for (var i = 0; i < 12 && rejected is null; i++)
        {
            var response = await SendAsync(host, HttpMethod.Get, "/api/models", First);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                rejected = response;
            else
                response.Dispose();
        }

        Assert.That(rejected, Is.Not.Null, $"no 429 among {string.Join(", ", statuses)}");
        var problem = await rejected!.Content.ReadFromJsonAsync<JsonElement>();
        using var other = await SendAsync(host, HttpMethod.Get, "/api/models", Second);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(statuses.Take(3), Is.All.EqualTo(HttpStatusCode.OK), "the burst is served");
            Assert.That(rejected.Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(rejected.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(429));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("key 'env-1'"));
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another key has its own budget");
        }

        rejected.Dispose();
    }

    [Test]
    public async Task AdminBudget_IsSeparateFromThePredictBudget()
    {
        await using var host = await StartAsync("rate_limits:\n  predict_per_second: 1000\n  predict_burst: 1000\n  admin_per_minute: 2\n");

        using var first = await SendAsync(host, HttpMethod.Post, "/api/train", Admin, "{}");
        using var second = await SendAsync(host, HttpMethod.Post, "/api/train", Admin, "{}");
        using var third = await SendAsync(host, HttpMethod.Post, "/api/train", Admin, "{}");
        using var read = await SendAsync(host, HttpMethod.Get, "/api/models", Admin);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(new[] { first.StatusCode, second.StatusCode }, Is.All.EqualTo(HttpStatusCode.Accepted));
            Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(third.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.FromSeconds(1)), "an admin budget refills per minute");
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "reads spend the predict budget, not the admin one");
        }
    }

    [Test]
    public async Task Anonymous_BudgetPerClientAddress_Answers429()
    {
        await using var host = await PipelineHostRunner.StartAsync("rate_limits:\n  admin_per_minute: 1\n");

        using var first = await host.Client.PostAsync("/api/train", new StringContent("{}", Encoding.UTF8, "application/json"));
        using var second = await host.Client.PostAsync("/api/train", new StringContent("{}", Encoding.UTF8, "application/json"));
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("this client address"));
        }
    }

    [Test]
    public async Task Disabled_NoBudgetApplies()
    {
        await using var host = await PipelineHostRunner.StartAsync("rate_limits:\n  enabled: false\n  admin_per_minute: 1\n");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await host.Client.PostAsync("/api/train", new StringContent("{}", Encoding.UTF8, "application/json"));
            statuses.Add(response.StatusCode);
        }

        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.Accepted));
    }

    private static Task<PipelineHostRunner> StartAsync(string yaml) =>
        PipelineHostRunner.StartAsync(yaml, new Dictionary<string, string?>
        {
            [ApiKeyRing.EnvironmentVariable] = $"predict:{First},predict:{Second},admin:{Admin}",
        });

    private static async Task<HttpResponseMessage> SendAsync(PipelineHostRunner host, HttpMethod method, string path, string key, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        request.Headers.Add("X-Api-Key", key);
        return await host.Client.SendAsync(request);
    }
}

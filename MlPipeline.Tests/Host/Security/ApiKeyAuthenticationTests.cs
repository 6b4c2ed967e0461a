using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using MlPipeline.Core.Security;
using MlPipeline.Tests.Broker.Server;

namespace MlPipeline.Tests.Host.Security;

/// <summary>
/// API keys through the real host: keys from auth.api_keys (held as SHA-256) and from MLPIPELINE_API_KEYS, the
/// predict and admin roles, 401/403 problem bodies, and that no key ever reaches the logs or /api/status.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ApiKeyAuthenticationTests
{
    private static readonly string AdminKey = ApiKeyGenerator.NewKey();
    private static readonly string PredictKey = ApiKeyGenerator.NewKey();
    private static readonly string EnvironmentAdminKey = ApiKeyGenerator.NewKey();
    private static readonly string EnvironmentPredictKey = ApiKeyGenerator.NewKey();

    private readonly CapturingLoggerProvider _logs = new();
    private PipelineHostRunner _host = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = await PipelineHostRunner.StartAsync(
            $"auth:\n  api_keys:\n"
            + $"    - {{ name: ops, role: admin, sha256: {ApiKeyRing.Digest(AdminKey)} }}\n"
            + $"    - name: shop\n      role: predict\n      sha256: {ApiKeyRing.Digest(PredictKey).ToUpperInvariant()}\n",
            new Dictionary<string, string?> { [ApiKeyRing.EnvironmentVariable] = $"admin:{EnvironmentAdminKey}, predict:{EnvironmentPredictKey}" },
            addLogging: logging =>
            {
                // Everything the host logs, down to Debug (authentication failures are logged at Information/Debug).
                logging.SetMinimumLevel(LogLevel.Debug);
                logging.AddFilter<ConsoleLoggerProvider>(level => level >= LogLevel.Warning);
                logging.AddProvider(_logs);
            });
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_host.DataDirectory, "data")).FullName, "sales.csv"),
            "Quantity,Price,Total Amount\n1,2,2\n3,4,12\n");
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private static readonly string[] ProtectedCalls =
        ["predict", "batch", "ingest", "upload", "train", "status", "models", "metrics"];

    [TestCaseSource(nameof(ProtectedCalls))]
    public async Task NoKey_ProtectedCall_Answers401WithProblemBodySayingHowToSendOne(string call)
    {
        using var response = await SendAsync(call, key: null);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("Bearer"));
            Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(401));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("Authorization: Bearer KEY").And.Contain("X-Api-Key"));
        }
    }

    [Test]
    public async Task WrongKey_Answers401SayingTheKeyIsNotAccepted()
    {
        using var response = await SendAsync("predict", key: ApiKeyGenerator.NewKey());
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("not one this service accepts"));
        }
    }

    [TestCase("predict"), TestCase("batch"), TestCase("status"), TestCase("models"), TestCase("metrics")]
    public async Task PredictKey_PredictOrReadCall_IsServed(string call) =>
        Assert.That(async () => (await SendAsync(call, PredictKey, useBearer: true)).StatusCode,
            Is.AnyOf(ServedStatuses(call)).After(20_000, 200));

    [TestCase("ingest"), TestCase("upload"), TestCase("train")]
    public async Task PredictKey_AdminCall_Answers403NamingTheRoleNeeded(string call)
    {
        using var response = await SendAsync(call, PredictKey);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("'shop'").And.Contain("role 'admin'"));
        }
    }

    [TestCase("predict"), TestCase("ingest"), TestCase("upload"), TestCase("train"), TestCase("status")]
    public async Task AdminKey_AnyCall_IsServed(string call) =>
        Assert.That(async () => (await SendAsync(call, AdminKey)).StatusCode,
            Is.AnyOf(ServedStatuses(call)).After(20_000, 200));

    /// <summary>
    /// What the endpoint itself answers once authentication and authorization let the call through. This host has no
    /// model, so the prediction door answers 404 (Unknown model) — never 401/403, which are the handler's.
    /// </summary>
    private static object[] ServedStatuses(string call) =>
        call is "predict" or "batch"
            ? [HttpStatusCode.OK, HttpStatusCode.Accepted, HttpStatusCode.NotFound]
            : [HttpStatusCode.OK, HttpStatusCode.Accepted];

    [Test]
    public async Task EnvironmentKeys_AuthenticateWithTheirRoles()
    {
        Assert.That(async () => (await SendAsync("upload", EnvironmentAdminKey)).StatusCode,
            Is.EqualTo(HttpStatusCode.Accepted).After(20_000, 200));
        using var predicted = await SendAsync("status", EnvironmentPredictKey, useBearer: true);
        using var refused = await SendAsync("train", EnvironmentPredictKey);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(predicted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }
    }

    [Test]
    public async Task HealthAndDashboard_WithKeysConfigured_StayOpen()
    {
        using var health = await _host.Client.GetAsync("/health");
        using var page = await _host.Client.GetAsync("/");
        using var script = await _host.Client.GetAsync("/dashboard/dashboard.js");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(health.StatusCode, Is.Not.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [Test]
    public async Task Keys_NeverAppearInLogsOrStatus()
    {
        var wrongKey = ApiKeyGenerator.NewKey();
        foreach (var key in new[] { AdminKey, PredictKey, EnvironmentAdminKey, EnvironmentPredictKey, wrongKey })
        {
            (await SendAsync("predict", key)).Dispose();
            (await SendAsync("train", key, useBearer: true)).Dispose();
        }

        using var status = await SendAsync("status", AdminKey);
        var statusText = await status.Content.ReadAsStringAsync();
        var logged = string.Join("\n", _logs.Entries.Select(entry => entry.Message));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_logs.Entries.Any(entry => entry.Category.Contains("ApiKeyAuthenticationHandler", StringComparison.Ordinal)), Is.True,
                "the authentication handler's own log lines were captured");
            foreach (var key in new[] { AdminKey, PredictKey, EnvironmentAdminKey, EnvironmentPredictKey, wrongKey })
            {
                Assert.That(logged, Does.Not.Contain(key));
                Assert.That(statusText, Does.Not.Contain(key));
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string call, string? key, bool useBearer = false)
    {
        var (method, path, content) = call switch
        {
            "predict" => (HttpMethod.Post, "/api/predict", Json("{\"features\": [1, 2]}")),
            "batch" => (HttpMethod.Post, "/api/predict/batch", Json("{\"requests\": [{\"features\": [1, 2]}]}")),
            "ingest" => (HttpMethod.Post, "/api/ingest", Json("{\"file_path\": \"sales.csv\"}")),
            "upload" => (HttpMethod.Post, "/api/ingest/upload?model=auth-test", new StringContent("Quantity,Price,Total Amount\n1,2,2\n", Encoding.UTF8, "text/csv")),
            "train" => (HttpMethod.Post, "/api/train", Json("{}")),
            "status" => (HttpMethod.Get, "/api/status", null),
            "models" => (HttpMethod.Get, "/api/models", null),
            "metrics" => (HttpMethod.Get, "/metrics", null),
            _ => throw new ArgumentOutOfRangeException(nameof(call), call, null),
        };
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null && useBearer)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        else if (key is not null)
            request.Headers.Add("X-Api-Key", key);
        return await _host.Client.SendAsync(request);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlPipeline.Host.Apis.Http;
using MlPipeline.Tests.Broker.Server;

namespace MlPipeline.Tests.Host.Http;

/// <summary>
/// The last resort of the API's request pipeline, on a real Kestrel: an endpoint that throws gets a 500 problem (not a
/// bare 500 or a dropped connection), logged once, and the service answers the next request.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ApiExceptionHandlerTests
{
    [Test]
    public async Task EndpointThrows_Is500ProblemWithTheTraceId_LoggedOnceAtError_AndTheNextRequestIsServed()
    {
        using var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddProvider(logs);
        builder.Services.AddApiErrorHandling();
        await using var app = builder.Build();
        app.UseApiErrorHandling();
        app.MapGet("/throws", string () => throw new InvalidOperationException("a bug in an endpoint"));
        app.MapGet("/works", () => "fine");
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        using var failed = await client.GetAsync("/throws");
        var problem = JsonDocument.Parse(await failed.Content.ReadAsStringAsync()).RootElement;
        using var next = await client.GetAsync("/works");
        await app.StopAsync();

        var errors = logs.AtLeast(LogLevel.Error).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(failed.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("InvalidOperationException").And.Contain("trace id"));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Not.Contain("a bug in an endpoint"), "the exception's own words stay in the log");
            Assert.That(errors, Has.Length.EqualTo(1), string.Join("\n", errors.Select(e => $"{e.Category}: {e.Message}")));
            Assert.That(errors[0].Message, Does.Contain("GET /throws").And.Contain("500"));
            Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }
}

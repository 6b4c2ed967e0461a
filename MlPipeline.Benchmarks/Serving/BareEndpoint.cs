using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Benchmarks.Serving;

/// <summary>
/// The reference for the HTTP figures: a bare ASP.NET Core endpoint on the same machine that parses the same JSON body
/// and answers a small JSON object, with no scoring, no Kafka and no middleware. What it reaches is what this machine's
/// HTTP stack and load generator allow; our endpoints are reported as a share of it.
/// </summary>
internal sealed class BareEndpoint : IAsyncDisposable
{
    private readonly WebApplication app;

    private BareEndpoint(WebApplication app, string address)
    {
        this.app = app;
        Address = address;
    }

    public string Address { get; }

    public static async Task<BareEndpoint> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/parse", async (HttpRequest request, CancellationToken token) =>
        {
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: token);
            return Results.Json(new JsonObject { ["status"] = "completed", ["fields"] = body is JsonObject o ? o.Count : 0 });
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareEndpoint(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}

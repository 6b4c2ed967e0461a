using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.SchemaRegistry;

namespace MlPipeline.Tests.Host;

/// <summary>
/// <c>schema_registry.enabled</c> registers the envelope's JSON Schema for every pipeline topic. No real Schema Registry
/// runs here, so a small HTTP server answers the one REST call the host makes, the way Confluent's registry does.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SchemaRegistrationTests
{
    [Test]
    public async Task RegistryEnabled_HostStarted_RegistersEnvelopeSchemaForEveryPipelineTopic()
    {
        await using var registry = await RecordingSchemaRegistry.StartAsync();
        await using var host = await PipelineHostRunner.StartAsync(
            $"schema_registry:\n  enabled: true\n  url: \"{registry.Url}\"\n");

        Assert.That(() => registry.Subjects.Count, Is.EqualTo(9).After(20_000, 100));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(registry.Subjects.Keys, Does.Contain("ml-pipeline-raw-data-value").And.Contain("ml-pipeline-alerts-value"));
            Assert.That(registry.Subjects.Keys, Does.Not.Contain("ml-pipeline-dead-letter-value"), "dead-letter carries anything");
            Assert.That(registry.Subjects.Values.Select(body => body["schemaType"]!.GetValue<string>()), Is.All.EqualTo("JSON"));
            Assert.That(registry.Subjects.Values.Select(body => body["schema"]!.GetValue<string>()), Is.All.EqualTo(EnvelopeJsonSchema.Text));
            Assert.That(host.Service<SchemaRegistrationService>().Registered, Has.Count.EqualTo(9));
        }
    }

    [Test]
    public async Task RegistryDisabled_HostStarted_NoRegistrationServiceRuns()
    {
        await using var host = await PipelineHostRunner.StartAsync("schema_registry:\n  enabled: false\n");

        Assert.That(host.App.Services.GetService<SchemaRegistrationService>(), Is.Null);
    }

    [Test]
    public void EnvelopeSchema_ListsEveryMessageTypeTheSerializerAccepts()
    {
        var schema = JsonNode.Parse(EnvelopeJsonSchema.Text)!;
        var allowed = schema["properties"]!["message_type"]!["enum"]!.AsArray().Select(node => node!.GetValue<string>());

        Assert.That(allowed, Is.EquivalentTo(Enum.GetValues<MessageType>().Select(type => type.ToWireName())));
    }

    /// <summary>Answers <c>POST /subjects/{subject}/versions</c> like Confluent Schema Registry and records the bodies.</summary>
    private sealed class RecordingSchemaRegistry : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private RecordingSchemaRegistry(WebApplication app) => _app = app;

        public ConcurrentDictionary<string, JsonObject> Subjects { get; } = new();

        public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        public static async Task<RecordingSchemaRegistry> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var app = builder.Build();
            var registry = new RecordingSchemaRegistry(app);
            app.MapPost("/subjects/{subject}/versions", async (string subject, HttpRequest request) =>
            {
                var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
                registry.Subjects[subject] = body;
                return Results.Json(new { id = registry.Subjects.Count });
            });
            await app.StartAsync();
            return registry;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

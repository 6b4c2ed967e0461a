using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace MlPipeline.Core.Messaging.SchemaRegistry;

/// <summary>A failure answered by the Schema Registry (or the lack of an answer), with what it said.</summary>
public sealed class SchemaRegistryException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// The part of Confluent Schema Registry's REST API the pipeline uses: register a schema under a subject
/// (<c>POST /subjects/{subject}/versions</c>, idempotent: an identical schema returns its existing id).
/// </summary>
public sealed class SchemaRegistryClient(HttpClient httpClient)
{
    private const string ContentType = "application/vnd.schemaregistry.v1+json";

    /// <returns>The registry's id of the schema.</returns>
    public async Task<int> RegisterJsonSchemaAsync(string subject, string schema, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["schemaType"] = "JSON", ["schema"] = schema };
        using var content = JsonContent.Create(body);
        content.Headers.ContentType = new(ContentType);
        using var response = await httpClient.PostAsync($"subjects/{Uri.EscapeDataString(subject)}/versions", content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new SchemaRegistryException(
                $"registering subject '{subject}' failed with HTTP {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)?["id"]?.GetValue<int>()
            ?? throw new SchemaRegistryException($"registering subject '{subject}' returned no id: {text}");
    }
}

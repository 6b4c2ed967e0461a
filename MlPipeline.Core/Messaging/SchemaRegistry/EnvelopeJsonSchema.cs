using System.Text.Json.Nodes;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Core.Messaging.SchemaRegistry;

/// <summary>
/// The JSON Schema (draft-07) of the pipeline envelope (ARCHITECTURE.md "Wire contract"), as registered for every
/// pipeline topic's value subject. Built from <see cref="MessageTypeWireNames"/> so the allowed message types cannot
/// drift from what the serializer accepts.
/// </summary>
public static class EnvelopeJsonSchema
{
    public static string Text { get; } = Build().ToJsonString();

    private static JsonObject Build() => new()
    {
        ["$schema"] = "http://json-schema.org/draft-07/schema#",
        ["title"] = "MlPipeline envelope",
        ["type"] = "object",
        ["required"] = new JsonArray("message_id", "message_type", "timestamp", "source", "data"),
        ["properties"] = new JsonObject
        {
            ["message_id"] = new JsonObject { ["type"] = "string", ["format"] = "uuid" },
            ["message_type"] = new JsonObject
            {
                ["type"] = "string",
                ["enum"] = new JsonArray([.. Enum.GetValues<MessageType>().Select(type => (JsonNode)type.ToWireName())]),
            },
            ["timestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ["source"] = new JsonObject { ["type"] = "string" },
            ["data"] = new JsonObject { ["type"] = "object" },
            ["metadata"] = new JsonObject
            {
                ["type"] = new JsonArray("object", "null"),
                ["properties"] = new JsonObject
                {
                    ["correlation_id"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
                    ["dataset_id"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
                    ["schema_version"] = new JsonObject { ["type"] = new JsonArray("string", "integer", "null") },
                },
            },
        },
    };
}

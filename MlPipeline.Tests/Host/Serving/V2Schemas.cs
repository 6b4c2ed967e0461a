using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>
/// The Open Inference Protocol's REST JSON objects as JSON Schema, written down from the protocol's REST specification
/// (server metadata, model metadata with its metadata tensors, inference request and response with their tensors,
/// and the error object). Parameters hold strings, numbers or booleans; tensor datatypes are the protocol's list.
/// </summary>
internal static class V2Schemas
{
    private const string Datatype = """{"enum": ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES"]}""";
    private const string Parameters = """{"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}""";
    private const string Shape = """{"type": "array", "items": {"type": "integer"}}""";

    public static readonly JsonSchema ServerMetadataResponse = Parse("""
        {
          "type": "object",
          "required": ["name", "version", "extensions"],
          "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "extensions": {"type": "array", "items": {"type": "string"}}
          }
        }
        """);

    public static readonly JsonSchema ModelMetadataResponse = Parse($$$"""
        {
          "type": "object",
          "required": ["name", "platform", "inputs", "outputs"],
          "properties": {
            "name": {"type": "string"},
            "versions": {"type": "array", "items": {"type": "string"}},
            "platform": {"type": "string"},
            "inputs": {"type": "array", "items": {"$ref": "#/$defs/metadata_tensor"}},
            "outputs": {"type": "array", "items": {"$ref": "#/$defs/metadata_tensor"}},
            "parameters": {{{Parameters}}}
          },
          "$defs": {
            "metadata_tensor": {
              "type": "object",
              "required": ["name", "datatype", "shape"],
              "properties": {"name": {"type": "string"}, "datatype": {{{Datatype}}}, "shape": {{{Shape}}}, "parameters": {{{Parameters}}}}
            }
          }
        }
        """);

    public static readonly JsonSchema InferenceRequest = Parse($$$"""
        {
          "type": "object",
          "required": ["inputs"],
          "properties": {
            "id": {"type": "string"},
            "parameters": {{{Parameters}}},
            "inputs": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["name", "shape", "datatype", "data"],
                "properties": {"name": {"type": "string"}, "shape": {{{Shape}}}, "datatype": {{{Datatype}}}, "parameters": {{{Parameters}}}, "data": {"type": "array"}}
              }
            },
            "outputs": {
              "type": "array",
              "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "parameters": {{{Parameters}}}}}
            }
          }
        }
        """);

    public static readonly JsonSchema InferenceResponse = Parse($$$"""
        {
          "type": "object",
          "required": ["model_name", "outputs"],
          "properties": {
            "model_name": {"type": "string"},
            "model_version": {"type": "string"},
            "id": {"type": "string"},
            "parameters": {{{Parameters}}},
            "outputs": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["name", "shape", "datatype", "data"],
                "properties": {"name": {"type": "string"}, "shape": {{{Shape}}}, "datatype": {{{Datatype}}}, "parameters": {{{Parameters}}}, "data": {"type": "array"}}
              }
            }
          }
        }
        """);

    public static readonly JsonSchema ErrorResponse = Parse("""
        {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
        """);

    public static void AssertValid(JsonSchema schema, JsonNode? instance)
    {
        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = (result.Details ?? []).Where(detail => detail.Errors is not null)
            .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Value}"));
        Assert.That(result.IsValid, Is.True, $"{instance?.ToJsonString()} does not fit the protocol: {string.Join("; ", errors)}");
    }

    private static JsonSchema Parse(string text) => JsonSchema.FromText(text);
}

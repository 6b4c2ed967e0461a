using System.Text.Json.Serialization;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>Source-generated (reflection-free) serialization of the envelope.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(KafkaMessage))]
internal sealed partial class KafkaMessageJsonContext : JsonSerializerContext;

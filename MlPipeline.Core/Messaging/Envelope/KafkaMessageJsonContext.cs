using System.Text.Json.Serialization;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// Source-generated (reflection-free) serialization of the envelope: the whole envelope on the slow path that
/// explains a rejection (<see cref="KafkaMessageSerializer"/>), and its metadata on every path.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(KafkaMessage))]
[JsonSerializable(typeof(EnvelopeMetadata))]
internal sealed partial class KafkaMessageJsonContext : JsonSerializerContext;

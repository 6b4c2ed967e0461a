using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// The one mapping between <see cref="MessageType"/> and its wire name. Spelled out rather than derived
/// from a naming policy so that renaming an enum member can never silently change the wire contract.
/// </summary>
public static class MessageTypeWireNames
{
    private static readonly FrozenDictionary<MessageType, string> NamesByType = new Dictionary<MessageType, string>
    {
        [MessageType.RawData] = "raw_data",
        [MessageType.ProcessedData] = "processed_data",
        [MessageType.ModelTraining] = "model_training",
        [MessageType.ModelEvaluation] = "model_evaluation",
        [MessageType.PredictionRequest] = "prediction_request",
        [MessageType.PredictionResult] = "prediction_result",
        [MessageType.Monitoring] = "monitoring",
        [MessageType.Alert] = "alert",
    }.ToFrozenDictionary();

    // Case-insensitive on read: the Python producers of the original pipeline wrote the enum names in upper case.
    private static readonly FrozenDictionary<string, MessageType> TypesByName =
        NamesByType.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    public static string ToWireName(this MessageType type) =>
        NamesByType.TryGetValue(type, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(type), type, "Not a defined message type.");

    public static bool TryParse(string? wireName, [NotNullWhen(true)] out MessageType? type)
    {
        if (wireName is not null && TypesByName.TryGetValue(wireName, out var found))
        {
            type = found;
            return true;
        }

        type = null;
        return false;
    }
}

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// What an envelope carries. On the wire each value is its snake_case name (see
/// <see cref="MessageTypeWireNames"/>), both in the JSON body and in the <c>message_type</c> header.
/// </summary>
public enum MessageType
{
    RawData,
    ProcessedData,
    ModelTraining,
    ModelEvaluation,
    PredictionRequest,
    PredictionResult,
    Monitoring,
    Alert,
}

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>A payload that is not a valid <see cref="KafkaMessage"/>; <see cref="Exception.Message"/> says why.</summary>
public sealed class InvalidEnvelopeException : Exception
{
    public InvalidEnvelopeException(string reason)
        : base(reason)
    {
    }

    public InvalidEnvelopeException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }
}

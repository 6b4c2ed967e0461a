namespace MlPipeline.Benchmarks.Envelope;

/// <summary>
/// One way of turning a payload into envelope bytes and back, as a stage does it: encode = payload → envelope →
/// UTF-8 bytes; decode = bytes → validated envelope → payload.
/// </summary>
public sealed record EnvelopeCodecPath<TPayload>(string Name, Func<TPayload, byte[]> Encode, Func<byte[], TPayload> Decode);

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// A request that cannot be decoded (truncated, negative length, absurd count). The connection that
/// sent it is closed: Kafka has no way to answer a request whose fields it could not read.
/// </summary>
public sealed class ProtocolException(string message) : Exception(message);

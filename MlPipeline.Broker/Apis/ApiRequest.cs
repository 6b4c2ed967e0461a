using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

/// <summary>One decoded request header plus the undecoded body that follows it.</summary>
/// <param name="Header">The request header (v1 layout).</param>
/// <param name="Body">The bytes after the header; valid until the handler's task completes.</param>
/// <param name="ClientHost">The peer's address, reported by DescribeGroups as a member's host.</param>
public sealed record ApiRequest(RequestHeader Header, ReadOnlyMemory<byte> Body, string ClientHost)
{
    public short Version => Header.ApiVersion;
}

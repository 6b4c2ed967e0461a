namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// How many record batches this broker has decompressed. One per broker (a DI singleton), shared by every path that
/// decompresses stored or produced records, so a test can assert that a path (ListOffsets by timestamp) decompresses
/// nothing, and an operator can see what validation costs. Thread-safe.
/// </summary>
public sealed class DecompressionCounter
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    internal void Increment() => Interlocked.Increment(ref _count);
}

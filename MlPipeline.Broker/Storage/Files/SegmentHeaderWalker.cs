using System.Buffers;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// Walks the batch headers of one <see cref="LogSegment"/> front to back without decoding (or decompressing)
/// records. Reads go through a window: small batches are read sequentially a window at a time, and a batch
/// larger than the window costs one window read for its header, so the walk never reads much more than the
/// segment and never issues one tiny read per batch.
/// </summary>
internal static class SegmentHeaderWalker
{
    private const int WindowBytes = 64 * 1024;

    /// <summary>
    /// Every header of a whole batch in the first <paramref name="visibleSize"/> bytes. Stops early at a header that
    /// cannot be a batch, or whose batch does not end within those bytes (a sealed segment is trusted from its index
    /// and not rescanned on open, so its bytes were never re-checked): the headers before it are still reported.
    /// </summary>
    public static void ForEach(LogSegment segment, long visibleSize, Action<RecordBatchHeader> onBatch)
    {
        var window = ArrayPool<byte>.Shared.Rent(WindowBytes);
        try
        {
            long windowStart = 0;
            var windowLength = 0;
            for (long position = 0; position + RecordBatchHeader.Size <= visibleSize;)
            {
                if (position < windowStart || position + RecordBatchHeader.Size > windowStart + windowLength)
                {
                    windowStart = position;
                    windowLength = (int)Math.Min(window.Length, visibleSize - position);
                    segment.ReadExactly(window.AsSpan(0, windowLength), position);
                }
                var header = RecordBatchHeader.Parse(window.AsSpan((int)(position - windowStart), RecordBatchHeader.Size));
                // A batch that runs past the visible bytes is not in the log (torn, or not yet published).
                if (header.Magic != RecordBatchHeader.CurrentMagic || header.TotalSize < RecordBatchHeader.Size
                    || header.TotalSize > visibleSize - position)
                    return;
                onBatch(header);
                position += header.TotalSize;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(window);
        }
    }
}

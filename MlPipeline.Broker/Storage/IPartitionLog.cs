using System.Buffers;

namespace MlPipeline.Broker.Storage;

/// <summary>
/// The append-only log of one partition, holding record batches (v2) exactly as producers sent them.
/// Offsets are assigned by the log: <see cref="Append"/> overwrites a batch's baseOffset (and sets
/// partitionLeaderEpoch to 0) — bytes outside the CRC — and changes nothing else.
/// Thread safety: all members may be called concurrently; appends are serialized by the implementation.
/// </summary>
public interface IPartitionLog : IDisposable
{
    /// <summary>First offset still stored (moves forward with retention).</summary>
    long LogStartOffset { get; }

    /// <summary>The offset the next appended record gets; on a single node this is the high watermark.</summary>
    long LogEndOffset { get; }

    /// <summary>Bytes of batches currently stored.</summary>
    long SizeInBytes { get; }

    /// <summary>
    /// Appends one already-validated record batch and returns the base offset it was given. With
    /// <see cref="FlushPolicy.Always"/> the batch is on disk before this returns.
    /// </summary>
    long Append(ReadOnlySpan<byte> batch);

    /// <summary>
    /// Copies whole batches, starting with the one that contains <paramref name="offset"/>, into
    /// <paramref name="destination"/> until adding the next would exceed <paramref name="maxBytes"/>;
    /// always at least one batch when <paramref name="offset"/> is below <see cref="LogEndOffset"/>.
    /// Returns the number of bytes written (0 at the end of the log).
    /// </summary>
    int Read(long offset, int maxBytes, IBufferWriter<byte> destination);

    /// <summary>
    /// The first record whose timestamp is ≥ <paramref name="timestamp"/>, or null when none is; found from batch headers
    /// without decompressing, so inside a compressed batch the answer is the batch's first offset (<see cref="Records.BatchTimeLookup"/>).
    /// </summary>
    (long Offset, long Timestamp)? FindOffsetByTimestamp(long timestamp);

    /// <summary>Forces appended data to stable storage.</summary>
    void Flush();

    /// <summary>Drops whole segments that fall outside retention (never the active one); returns how many.</summary>
    int ApplyRetention(DateTimeOffset now);
}

using System.Collections.Concurrent;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Processing;

/// <summary>The outcome of one RAW_DATA chunk: rows for training, and the refused rows with their raw values and reasons.</summary>
public sealed record ChunkProcessingResult(IReadOnlyList<ProcessedRow> Accepted, IReadOnlyList<(RawRow Row, string Reason)> Rejected);

/// <summary>
/// Runs a RAW_DATA chunk through <see cref="RowProcessor"/> with the schema the chunk carries. One processor per
/// dataset is kept (a few at most) so fill_mean's running means span the dataset rather than one chunk.
/// </summary>
public sealed class RawChunkProcessor(Func<string, DataProcessingOptions> processingFor)
{
    private const int MaxCachedDatasets = 64;
    private readonly ConcurrentDictionary<string, RowProcessor> processors = new(StringComparer.Ordinal);

    public ChunkProcessingResult Process(RawDataPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var processor = ProcessorFor(payload);
        var accepted = new List<ProcessedRow>();
        var rejected = new List<(RawRow, string)>();
        foreach (var row in payload.Rows ?? [])
        {
            var result = row.Error is { } malformed
                ? RowProcessingResult.Rejected(malformed)
                : processor.Process(payload.DatasetId, row.RowNumber, row.Values);
            if (result.Row is { } processed)
            {
                accepted.Add(processed);
            }
            else
            {
                rejected.Add((row, result.RejectionReason!));
            }
        }

        return new ChunkProcessingResult(accepted, rejected);
    }

    private RowProcessor ProcessorFor(RawDataPayload payload)
    {
        if (processors.Count > MaxCachedDatasets)
        {
            processors.Clear();
        }

        return processors.GetOrAdd(payload.DatasetId, _ => new RowProcessor(payload.Schema, processingFor(payload.Schema.LabelColumn)));
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Contracts;

/// <summary>
/// The training store writes row and rejection lines by hand (<see cref="TrainingDataLineCodec"/>); files written
/// before that (and the store's own reader) expect what the reflection serializer wrote. These tests pin the bytes the
/// store writes to that serializer's output (finite numbers), with a mirror of the line record as it was.
/// </summary>
[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TrainingDataLineCodecTests : IDisposable
{
    private const string DatasetId = "line-format";

    private static readonly JsonSerializerOptions ReflectionOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Test]
    public async Task RowAndRejectionLines_AreByteForByteWhatTheReflectionSerializerWrote()
    {
        ProcessedRow[] rows =
        [
            new(DatasetId, 1,
                new Dictionary<string, double> { ["Age"] = 0.1, ["Größe"] = 1e20, ["neg zero"] = -0.0, ["tiny"] = double.Epsilon, ["max"] = double.MaxValue, ["Date.year"] = 2023 },
                new Dictionary<string, string> { ["Gender"] = "Female", ["quote \" and <tag> & 'x'"] = "naïve — 😀\n\t\\", ["missing"] = null! },
                1.0 / 3),
            new(DatasetId, 2, new Dictionary<string, double>(), new Dictionary<string, string>(), -5),
            new(DatasetId, 3, null!, null!, 123456789.125),
            new(DatasetId, 4, new Dictionary<string, double> { ["x"] = 1 }, new Dictionary<string, string>(), 0, "yes <\"text\"> label"),
            new(DatasetId, long.MaxValue - 1, new Dictionary<string, double> { ["x"] = -1234.5678 }, new Dictionary<string, string> { ["c"] = "" }, 0),
        ];
        RowRejection[] rejections = [new(7, "Price per Unit: 'abc' is not a number <\"bad\">"), new(8, "")];

        await using (var store = await TrainingDataStore.OpenAsync(new TrainingDataStoreOptions { Directory = directory.Path }, CancellationToken.None))
        {
            await store.AddRangeAsync(DatasetId, rows, rejections, CancellationToken.None);
        }

        var expected = new StringBuilder();
        foreach (var row in rows)
        {
            expected.Append(JsonSerializer.Serialize(new MirrorEntry { Kind = MirrorKind.Row, DatasetId = DatasetId, RowNumber = row.RowNumber, Row = row }, ReflectionOptions)).Append('\n');
        }

        foreach (var rejection in rejections)
        {
            expected.Append(JsonSerializer.Serialize(
                new MirrorEntry { Kind = MirrorKind.Rejected, DatasetId = DatasetId, RowNumber = rejection.RowNumber, Reason = rejection.Reason }, ReflectionOptions)).Append('\n');
        }

        var written = await File.ReadAllTextAsync(Path.Combine(directory.Path, DatasetId + ".jsonl"));
        Assert.That(written, Is.EqualTo(expected.ToString()));
    }

    // Mirrors TrainingDataLine and TrainingDataLineKind as the store first wrote them: same member names, order and converters.
    [JsonConverter(typeof(JsonStringEnumConverter<MirrorKind>))]
    private enum MirrorKind
    {
        Row,
        Rejected,
    }

    private sealed record MirrorEntry
    {
        public MirrorKind Kind { get; init; }

        public string DatasetId { get; init; } = string.Empty;

        public long? RowNumber { get; init; }

        public ProcessedRow? Row { get; init; }

        public string? Reason { get; init; }

        public long? ExpectedRows { get; init; }

        public DatasetSchema? Schema { get; init; }
    }
}

using System.Globalization;
using MlPipeline.Core.Data;
using MlPipeline.Core.Processing;
using MlPipeline.Core.Training;

namespace MlPipeline.Benchmarks.Serving;

/// <summary>
/// A sales-like model for the serving benchmark: two numeric, one categorical and one date feature, trained on seeded
/// synthetic rows (FastTree, 100 trees as configured by default), stored and promoted as version 1.
/// </summary>
internal sealed class BenchmarkModel
{
    private static readonly string[] Categories = ["Beauty", "Clothing", "Electronics"];

    public static readonly DatasetSchema Schema = new(
        "Total Amount",
        [
            new FeatureColumn("Age", FeatureKind.Numeric),
            new FeatureColumn("Quantity", FeatureKind.Numeric),
            new FeatureColumn("Product Category", FeatureKind.Categorical),
            new FeatureColumn("Date", FeatureKind.Date),
        ],
        []);

    private BenchmarkModel(IReadOnlyList<object?[]> requests) => Requests = requests;

    /// <summary>Feature arrays in model order, cycled through by the runs.</summary>
    public IReadOnlyList<object?[]> Requests { get; }

    public static async Task<BenchmarkModel> TrainAndPromoteAsync(ModelStore store, string name, CancellationToken cancellationToken)
    {
        var random = new Random(42);
        var processing = new DataProcessingOptions { LabelColumn = Schema.LabelColumn };
        var processor = new RowProcessor(Schema, processing);
        var rows = new List<ProcessedRow>();
        var requests = new List<object?[]>();
        for (var i = 0; i < 1_000; i++)
        {
            var age = random.Next(18, 70);
            var quantity = random.Next(1, 5);
            var category = Categories[random.Next(Categories.Length)];
            var date = new DateOnly(2023, 1, 1).AddDays(random.Next(365)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var total = (quantity * (category == "Electronics" ? 300 : 50)) + (age * 0.5) + random.NextDouble();
            var raw = new Dictionary<string, string>
            {
                ["Age"] = age.ToString(CultureInfo.InvariantCulture),
                ["Quantity"] = quantity.ToString(CultureInfo.InvariantCulture),
                ["Product Category"] = category,
                ["Date"] = date,
                ["Total Amount"] = total.ToString("R", CultureInfo.InvariantCulture),
            };
            rows.Add(processor.Process("benchmark", i + 1, raw).Row!);
            requests.Add([(double)age, (double)quantity, category, date]);
        }

        var trained = await new ModelTrainer(new ModelTrainingOptions { Trainer = TrainerKind.FastTree }, TimeProvider.System)
            .TrainAsync("benchmark", Schema, processing, rows, cancellationToken);
        var saved = await store.SaveNewVersionAsync(name, trained, cancellationToken);
        await store.PromoteAsync(name, saved.Version, cancellationToken);
        return new BenchmarkModel(requests);
    }
}

using System.Text.Json;
using MlPipeline.Core.Data;

namespace MlPipeline.Tests.Core.Data;

[Parallelizable(ParallelScope.All)]
public sealed class SchemaInferenceTests
{
    private static async Task<DatasetSchema> InferSample(DataProcessingOptions? options = null) =>
        await new SchemaInference(options ?? new DataProcessingOptions())
            .InferAsync(new CsvRowStream().ReadFileAsync(TestData.SalesDatasetPath, CancellationToken.None), CancellationToken.None);

    [Test]
    public async Task SampleFile_KindsAreInferredPerColumn()
    {
        var schema = await InferSample();

        Assert.That(schema.Features, Is.EqualTo(new[]
        {
            new FeatureColumn("Date", FeatureKind.Date),
            new FeatureColumn("Gender", FeatureKind.Categorical),
            new FeatureColumn("Age", FeatureKind.Numeric),
            new FeatureColumn("Product Category", FeatureKind.Categorical),
            new FeatureColumn("Quantity", FeatureKind.Numeric),
            new FeatureColumn("Price per Unit", FeatureKind.Numeric),
        }));
    }

    [Test]
    public async Task SampleFile_LabelAndIndexAreExcludedWithReasons()
    {
        var schema = await InferSample();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(schema.LabelColumn, Is.EqualTo("Total Amount"));
            Assert.That(schema.Features.Select(f => f.Name), Has.None.EqualTo("Total Amount").And.None.EqualTo("index"));
            Assert.That(schema.ExcludedColumns, Does.Contain(new ExcludedColumn("index", "index column")));
            Assert.That(schema.ExcludedColumns, Does.Contain(new ExcludedColumn("Total Amount", "label column")));
        }
    }

    [Test]
    public void IdLikeAndLabelCopyColumns_AreExcluded()
    {
        var header = new CsvHeader(["Transaction ID", "Row", "Amount Copy", "Age", "Total Amount"], null);
        var sample = Enumerable.Range(0, 30).Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
        {
            ["Transaction ID"] = $"T{i:000}",
            ["Row"] = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Amount Copy"] = (i * 7 % 11).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Age"] = (20 + i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Total Amount"] = (i * 7 % 11).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();

        var schema = new SchemaInference(new DataProcessingOptions()).Infer(header, sample);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(schema.Features.Select(f => f.Name), Is.EqualTo(new[] { "Age" }));
            Assert.That(schema.ExcludedColumns.Single(e => e.Name == "Transaction ID").Reason, Does.Contain("id-like"));
            Assert.That(schema.ExcludedColumns.Single(e => e.Name == "Row").Reason, Does.Contain("row counter"));
            Assert.That(schema.ExcludedColumns.Single(e => e.Name == "Amount Copy").Reason, Does.Contain("label leak"));
        }
    }

    [Test]
    public async Task ConfiguredFeatureColumns_AreUsedInTheirOrder()
    {
        var schema = await InferSample(new DataProcessingOptions { FeatureColumns = ["Quantity", "Gender"] });

        Assert.That(schema.Features, Is.EqualTo(new[]
        {
            new FeatureColumn("Quantity", FeatureKind.Numeric),
            new FeatureColumn("Gender", FeatureKind.Categorical),
        }));
    }

    [Test]
    public void MissingLabelColumn_ThrowsNamingTheColumns()
    {
        var header = new CsvHeader(["a", "b"], null);

        Assert.That(
            () => new SchemaInference(new DataProcessingOptions()).Infer(header, []),
            Throws.InvalidOperationException.With.Message.Contains("'Total Amount' is not in the header"));
    }

    [Test]
    public async Task Schema_RoundTripsThroughJson()
    {
        var schema = await InferSample();

        var copy = JsonSerializer.Deserialize<DatasetSchema>(JsonSerializer.Serialize(schema))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(copy.LabelColumn, Is.EqualTo(schema.LabelColumn));
            Assert.That(copy.Features, Is.EqualTo(schema.Features));
            Assert.That(copy.ExcludedColumns, Is.EqualTo(schema.ExcludedColumns));
            Assert.That(copy.GetFeatureLayout().SameAs(schema.GetFeatureLayout()), Is.True);
        }
    }
}

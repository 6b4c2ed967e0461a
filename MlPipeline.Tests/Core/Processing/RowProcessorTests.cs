using MlPipeline.Core.Data;
using MlPipeline.Core.Processing;

namespace MlPipeline.Tests.Core.Processing;

[Parallelizable(ParallelScope.All)]
public sealed class RowProcessorTests
{
    private static readonly DatasetSchema Schema = new(
        "Total Amount",
        [
            new FeatureColumn("Date", FeatureKind.Date),
            new FeatureColumn("Gender", FeatureKind.Categorical),
            new FeatureColumn("Age", FeatureKind.Numeric),
        ],
        []);

    private static Dictionary<string, string> ARow() => new()
    {
        ["index"] = "0",
        ["Date"] = "2023-11-24",
        ["Gender"] = "Female",
        ["Age"] = "34",
        ["Total Amount"] = "150",
    };

    private static RowProcessingResult Process(Dictionary<string, string> row, DataProcessingOptions? options = null) =>
        new RowProcessor(Schema, options ?? new DataProcessingOptions()).Process("ds-1", 7, row);

    [Test]
    public void ValidRow_DatePartsAreCorrect()
    {
        var row = Process(ARow()).Row!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(row.Numeric["Date.year"], Is.EqualTo(2023));
            Assert.That(row.Numeric["Date.month"], Is.EqualTo(11));
            Assert.That(row.Numeric["Date.day"], Is.EqualTo(24));
            Assert.That(row.Numeric["Date.day_of_week"], Is.EqualTo((double)DayOfWeek.Friday));
        }
    }

    [Test]
    public void ValidRow_CarriesIdsLabelAndFeaturesButNeverTheLabelAsAFeature()
    {
        var row = Process(ARow()).Row!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(row.DatasetId, Is.EqualTo("ds-1"));
            Assert.That(row.RowNumber, Is.EqualTo(7));
            Assert.That(row.Label, Is.EqualTo(150));
            Assert.That(row.Numeric["Age"], Is.EqualTo(34));
            Assert.That(row.Categorical["Gender"], Is.EqualTo("Female"));
            Assert.That(row.Numeric.Keys.Concat(row.Categorical.Keys), Has.None.EqualTo("Total Amount").And.None.EqualTo("index"));
            Assert.That(row.Numeric.Keys, Is.EquivalentTo(Schema.GetFeatureLayout().Numeric));
        }
    }

    [TestCase("Age", "abc", "column 'Age' value 'abc' is not a number")]
    [TestCase("Age", "NaN", "column 'Age' value 'NaN' is not a number")]
    [TestCase("Age", "", "column 'Age' is missing")]
    [TestCase("Date", "not-a-date", "column 'Date' value 'not-a-date' is not a date")]
    [TestCase("Date", "", "column 'Date' is missing")]
    [TestCase("Total Amount", "", "label 'Total Amount' is missing")]
    public void BadValue_IsRejectedWithItsReason(string column, string value, string reason)
    {
        var row = ARow();
        row[column] = value;

        var result = Process(row);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsAccepted, Is.False);
            Assert.That(result.RejectionReason, Is.EqualTo(reason));
        }
    }

    [TestCase(" yes ", "yes")]
    [TestCase("true", "true")]
    public void TextLabel_IsKeptAsTheClassTextForClassification(string value, string expected)
    {
        var row = ARow();
        row["Total Amount"] = value;

        var result = Process(row);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsAccepted, Is.True, result.RejectionReason);
            Assert.That(result.Row!.LabelText, Is.EqualTo(expected));
            Assert.That(result.Row.Label, Is.Zero);
        }
    }

    [Test]
    public void NumericLabel_HasNoLabelText()
    {
        Assert.That(Process(ARow()).Row!.LabelText, Is.Null);
    }

    [Test]
    public void AbsentLabelKey_IsRejectedAsMissing()
    {
        var row = ARow();
        row.Remove("Total Amount");

        Assert.That(Process(row).RejectionReason, Is.EqualTo("label 'Total Amount' is missing"));
    }

    [Test]
    public void MalformedCsvRow_IsRejectedWithTheReadersReason()
    {
        var header = new CsvHeader(["index", "Date", "Gender", "Age", "Total Amount"], "index");
        var csvRow = new CsvRow(3, header, ARow(), 4, "row has 4 columns, header has 5");

        var result = new RowProcessor(Schema, new DataProcessingOptions()).Process("ds-1", csvRow);

        Assert.That(result.RejectionReason, Is.EqualTo("row has 4 columns, header has 5"));
    }

    [Test]
    public void MissingCategorical_IsFilledWithUnknownByDefault()
    {
        var row = ARow();
        row["Gender"] = " ";

        Assert.That(Process(row).Row!.Categorical["Gender"], Is.EqualTo(RowProcessor.UnknownCategory));
    }

    [Test]
    public void MissingNumeric_FillDefault_IsZero()
    {
        var row = ARow();
        row["Age"] = "";
        var options = new DataProcessingOptions { MissingValues = new MissingValuePolicies { Numeric = MissingValuePolicy.FillDefault } };

        Assert.That(Process(row, options).Row!.Numeric["Age"], Is.Zero);
    }

    [Test]
    public void MissingNumeric_FillMean_UsesTheMeanOfAcceptedRowsSoFar()
    {
        var options = new DataProcessingOptions { MissingValues = new MissingValuePolicies { Numeric = MissingValuePolicy.FillMean } };
        var processor = new RowProcessor(Schema, options);
        foreach (var age in new[] { "20", "40" })
        {
            var row = ARow();
            row["Age"] = age;
            processor.Process("ds-1", 1, row);
        }

        var missing = ARow();
        missing["Age"] = "";

        Assert.That(processor.Process("ds-1", 3, missing).Row!.Numeric["Age"], Is.EqualTo(30));
    }

    [Test]
    public void FillMeanForCategoricals_IsRefused()
    {
        var options = new DataProcessingOptions { MissingValues = new MissingValuePolicies { Categorical = MissingValuePolicy.FillMean } };

        Assert.That(() => new RowProcessor(Schema, options), Throws.ArgumentException.With.Message.Contains("numeric columns only"));
    }
}

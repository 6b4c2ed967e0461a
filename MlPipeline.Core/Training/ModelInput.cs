using Microsoft.ML;
using Microsoft.ML.Data;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>
/// The row ML.NET sees. Columns vary by dataset, so features travel as two vectors whose sizes are
/// set at runtime through a <see cref="SchemaDefinition"/> (<see cref="ModelInputMapper"/>).
/// </summary>
internal sealed class ModelInput
{
    public float[] Numeric { get; set; } = [];

    public string[] Categorical { get; set; } = [];

    public float Label { get; set; }

    /// <summary>Binary classification: true for the second class (<see cref="ClassLabels"/> order).</summary>
    public bool BinaryLabel { get; set; }

    /// <summary>
    /// Multiclass: the class index, declared a key type of the class count. ML.NET reads a key from a class member
    /// 0-based (it stores index + 1, keeping 0 for "missing"), so this is the plain 0-based index.
    /// </summary>
    public uint ClassLabel { get; set; }
}

/// <summary>The prediction ML.NET regression trainers write.</summary>
internal sealed class ModelOutput
{
    public float Score { get; set; }
}

/// <summary>The calibrated probability of the second class that ML.NET binary trainers write.</summary>
internal sealed class BinaryModelOutput
{
    public float Probability { get; set; }
}

/// <summary>The per-class scores (probabilities, in class order) ML.NET multiclass trainers write.</summary>
internal sealed class MulticlassModelOutput
{
    public float[] Score { get; set; } = [];
}

/// <summary>
/// Turns engineered features into <see cref="ModelInput"/> in a fixed <see cref="FeatureLayout"/>
/// order. Shared by training and scoring so both build vectors the same way.
/// </summary>
internal sealed class ModelInputMapper
{
    public const string NumericColumn = nameof(ModelInput.Numeric);
    public const string CategoricalColumn = nameof(ModelInput.Categorical);
    public const string LabelColumn = nameof(ModelInput.Label);
    public const string BinaryLabelColumn = nameof(ModelInput.BinaryLabel);
    public const string ClassLabelColumn = nameof(ModelInput.ClassLabel);
    public const string ProbabilityColumn = nameof(BinaryModelOutput.Probability);
    public const string ScoreColumn = nameof(ModelOutput.Score);

    /// <param name="classCount">Classes of a classification label; 0 for regression.</param>
    public ModelInputMapper(FeatureLayout layout, int classCount = 0)
    {
        Layout = layout;
        ClassCount = classCount;
        // A vector of size 0 means "variable size" to ML.NET, so an empty group gets one padding slot
        // that the pipeline never reads (see ModelTrainer.BuildPipeline).
        NumericSize = Math.Max(1, layout.Numeric.Count);
        CategoricalSize = Math.Max(1, layout.Categorical.Count);
    }

    public FeatureLayout Layout { get; }

    public int NumericSize { get; }

    public int CategoricalSize { get; }

    public int ClassCount { get; }

    public SchemaDefinition CreateSchemaDefinition()
    {
        var definition = SchemaDefinition.Create(typeof(ModelInput));
        definition[NumericColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, NumericSize);
        definition[CategoricalColumn].ColumnType = new VectorDataViewType(TextDataViewType.Instance, CategoricalSize);
        // A key type of exactly the class count, so every fold's model has one score per class even when a fold lacks one.
        definition[ClassLabelColumn].ColumnType = new KeyDataViewType(typeof(uint), Math.Max(1, ClassCount));
        return definition;
    }

    public IDataView ToDataView(MLContext mlContext, IEnumerable<ModelInput> rows) =>
        mlContext.Data.LoadFromEnumerable(rows, CreateSchemaDefinition());

    public ModelInput Map(IReadOnlyDictionary<string, double> numeric, IReadOnlyDictionary<string, string> categorical, double label)
    {
        var numericValues = new float[NumericSize];
        for (var i = 0; i < Layout.Numeric.Count; i++)
        {
            var name = Layout.Numeric[i];
            numericValues[i] = numeric.TryGetValue(name, out var value)
                ? (float)value
                : throw new ArgumentException($"numeric feature '{name}' is missing from the row");
        }

        var categoricalValues = new string[CategoricalSize];
        categoricalValues[0] = string.Empty;
        for (var i = 0; i < Layout.Categorical.Count; i++)
        {
            var name = Layout.Categorical[i];
            // One dictionary serves all categorical slots, so the column name is part of the token:
            // "Gender=Male" can never collide with another column's "Male".
            categoricalValues[i] = categorical.TryGetValue(name, out var value)
                ? $"{name}={value}"
                : throw new ArgumentException($"categorical feature '{name}' is missing from the row");
        }

        return new ModelInput { Numeric = numericValues, Categorical = categoricalValues, Label = (float)label };
    }

    /// <summary>A training row: regression uses the number, classification the class index (0-based, <see cref="ClassLabels"/> order).</summary>
    public ModelInput Map(ProcessedRow row, ClassLabels? classes)
    {
        if (classes is null)
        {
            return Map(row.Numeric, row.Categorical, row.Label);
        }

        var index = classes.IndexOf(row);
        var input = Map(row.Numeric, row.Categorical, index);
        input.BinaryLabel = index == 1;
        input.ClassLabel = (uint)index;
        return input;
    }
}

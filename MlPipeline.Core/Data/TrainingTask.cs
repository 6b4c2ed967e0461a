using System.Text.Json.Serialization;

namespace MlPipeline.Core.Data;

/// <summary>What a model trained on a dataset predicts (part of the dataset schema, so Data owns it). <see cref="Auto"/> infers it from the label column (<c>Training.TaskInference</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingTask>))]
public enum TrainingTask
{
    /// <summary>Infer: numbers with many distinct values are regression; text, booleans or few integer classes are classification.</summary>
    Auto,

    /// <summary>A number.</summary>
    Regression,

    /// <summary>One of two classes, with the probability of each.</summary>
    Binary,

    /// <summary>One of three or more classes, with the probability of each.</summary>
    Multiclass,
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Training;

/// <summary>The JSON settings of the files the model store writes (snake_case, like the wire contract).</summary>
internal static class ModelStoreJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // R² is NaN when a holdout's labels are all equal; metadata must still be writable.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>The <c>current.json</c> pointer: which version of a model serving should use.</summary>
public sealed record CurrentModelPointer(string Name, int Version, DateTimeOffset PromotedAt);

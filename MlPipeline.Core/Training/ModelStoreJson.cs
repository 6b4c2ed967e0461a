using System.Text.Json;
using System.Text.Json.Serialization;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Training;

/// <summary>
/// The JSON settings of the files the model store writes: the wire contract's policy (<see cref="ContractJson.CreateOptions"/>),
/// indented for people, with nulls written (files written before keep reading the same).
/// </summary>
internal static class ModelStoreJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = ContractJson.CreateOptions();
        options.WriteIndented = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        return options;
    }
}

/// <summary>The <c>current.json</c> pointer: which version of a model serving should use.</summary>
public sealed record CurrentModelPointer(string Name, int Version, DateTimeOffset PromotedAt);

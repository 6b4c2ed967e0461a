using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// How monitoring writes its MONITORING snapshots (<see cref="PipelineMonitoringData"/>, <see cref="ModelMonitoringData"/>):
/// the wire contract's policy (<see cref="ContractJson.CreateOptions"/>) plus snake_case enum names, with nulls written
/// (the dashboard reads <c>predictions: null</c>). Alerts and training events go through <see cref="ContractJson"/>.
/// </summary>
public static class MonitoringJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static JsonObject ToData<T>(T value) => (JsonObject)JsonSerializer.SerializeToNode(value, Options)!;

    public static T? FromData<T>(JsonObject data) => data.Deserialize<T>(Options);

    private static JsonSerializerOptions Create()
    {
        var options = ContractJson.CreateOptions();
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // As JsonSerializerDefaults.Web: readers of the snapshots were written against it.
        options.PropertyNameCaseInsensitive = true;
        options.Converters.Add(new JsonStringEnumConverter(ContractJson.NamingPolicy));
        return options;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Monitoring;

/// <summary>How monitoring writes and reads envelope data: snake_case names and enums, as the wire contract.</summary>
public static class MonitoringJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        // Training reports R² as NaN when a holdout's labels are all equal; such an event must still be readable.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static JsonObject ToData<T>(T value) => (JsonObject)JsonSerializer.SerializeToNode(value, Options)!;

    public static T? FromData<T>(JsonObject data) => data.Deserialize<T>(Options);
}

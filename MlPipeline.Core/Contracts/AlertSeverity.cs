using System.Text.Json.Serialization;

namespace MlPipeline.Core.Contracts;

/// <summary>How urgent an alert is; spelled info | warning | critical in the configuration and on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
public enum AlertSeverity
{
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("warning")] Warning,
    [JsonStringEnumMemberName("critical")] Critical,
}

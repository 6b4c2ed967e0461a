using System.Text.Json.Serialization;

namespace MlPipeline.Core.Contracts;

/// <summary>Where an alert episode stands; spelled firing | resolved on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertStatus>))]
public enum AlertStatus
{
    /// <summary>The condition holds (first announcement, or a reminder after the cool-down).</summary>
    [JsonStringEnumMemberName("firing")] Firing,

    /// <summary>The condition cleared.</summary>
    [JsonStringEnumMemberName("resolved")] Resolved,
}

/// <summary>The <c>data</c> of an ALERT envelope, and an entry of <c>/api/alerts</c>.</summary>
/// <param name="AlertId">Stable for one firing-to-resolved episode, so a consumer can pair the two events.</param>
/// <param name="Value">The figure that tripped the rule (for resolved: the last figure seen while firing).</param>
/// <param name="Notifications">1 for the first firing; counts reminders after each cool-down.</param>
public sealed record AlertEvent(
    string AlertId,
    string Rule,
    string Subject,
    AlertSeverity Severity,
    AlertStatus Status,
    double Value,
    double Threshold,
    string Message,
    DateTimeOffset FiredAt,
    DateTimeOffset At,
    int Notifications);

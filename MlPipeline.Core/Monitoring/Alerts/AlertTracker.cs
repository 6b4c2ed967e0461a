using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary>
/// Turns the signals of each evaluation into alert events. A condition must hold for its signal's <c>For</c> before it
/// fires; while it stays open it is announced again only once per cool-down (deduplication); when a subject's signal
/// stops, a resolved event follows. Keeps the open alerts and the most recent events for <c>/api/alerts</c>.
/// Thread-safe: the stage evaluates while HTTP requests read.
/// </summary>
public sealed class AlertTracker(TimeProvider timeProvider, TimeSpan cooldown)
{
    /// <summary>Events kept for <see cref="Recent"/>.</summary>
    public const int RecentCapacity = 100;

    private readonly Lock gate = new();
    private readonly Dictionary<(string Rule, string Subject), DateTimeOffset> pendingSince = [];
    private readonly Dictionary<(string Rule, string Subject), OpenAlert> open = [];
    private readonly LinkedList<AlertEvent> recent = new();
    private long episodes;

    /// <summary>Alerts firing now, most severe first.</summary>
    public IReadOnlyList<AlertEvent> Open
    {
        get
        {
            lock (gate)
            {
                return open.Values.Select(alert => alert.Last)
                    .OrderByDescending(alert => alert.Severity)
                    .ThenBy(alert => alert.FiredAt)
                    .ToArray();
            }
        }
    }

    /// <summary>The latest events (firing and resolved), newest first.</summary>
    public IReadOnlyList<AlertEvent> Recent
    {
        get
        {
            lock (gate)
            {
                return recent.ToArray();
            }
        }
    }

    /// <summary>Applies one evaluation: <paramref name="signals"/> are every condition holding now.</summary>
    /// <param name="unevaluatedRules">Rules that could not look this time: their alerts, open or pending, stay as they are.</param>
    /// <returns>The events to announce, in order.</returns>
    public IReadOnlyList<AlertEvent> Evaluate(IEnumerable<AlertSignal> signals, IReadOnlySet<string>? unevaluatedRules = null)
    {
        ArgumentNullException.ThrowIfNull(signals);
        unevaluatedRules ??= new HashSet<string>();
        var now = timeProvider.GetUtcNow();
        var events = new List<AlertEvent>();
        lock (gate)
        {
            var active = new HashSet<(string, string)>();
            foreach (var signal in signals)
            {
                var key = (signal.Rule, signal.Subject);
                if (!active.Add(key) || signal.Indeterminate)
                {
                    continue;
                }

                if (open.TryGetValue(key, out var alert))
                {
                    alert.Last = alert.Last with { Value = signal.Value, Message = signal.Message, At = now };
                    if (now - alert.LastNotifiedAt >= cooldown)
                    {
                        alert.LastNotifiedAt = now;
                        alert.Last = alert.Last with { Notifications = alert.Last.Notifications + 1 };
                        events.Add(alert.Last);
                    }

                    continue;
                }

                var since = pendingSince.TryGetValue(key, out var first) ? first : pendingSince[key] = now;
                if (now - since < signal.For)
                {
                    continue;
                }

                pendingSince.Remove(key);
                var fired = new AlertEvent(
                    $"{signal.Rule}:{signal.Subject}:{++episodes}",
                    signal.Rule,
                    signal.Subject,
                    signal.Severity,
                    AlertStatus.Firing,
                    signal.Value,
                    signal.Threshold,
                    signal.Message,
                    FiredAt: now,
                    At: now,
                    Notifications: 1);
                open[key] = new OpenAlert(fired, now);
                events.Add(fired);
            }

            active.UnionWith(open.Keys.Concat(pendingSince.Keys).Where(key => unevaluatedRules.Contains(key.Rule)));
            foreach (var key in pendingSince.Keys.Where(key => !active.Contains(key)).ToList())
            {
                pendingSince.Remove(key);
            }

            foreach (var (key, alert) in open.Where(pair => !active.Contains(pair.Key)).ToList())
            {
                open.Remove(key);
                events.Add(alert.Last with
                {
                    Status = AlertStatus.Resolved,
                    At = now,
                    Message = $"Resolved: {alert.Last.Message}",
                });
            }

            foreach (var alertEvent in events)
            {
                recent.AddFirst(alertEvent);
                if (recent.Count > RecentCapacity)
                {
                    recent.RemoveLast();
                }
            }
        }

        return events;
    }

    private sealed class OpenAlert(AlertEvent fired, DateTimeOffset notifiedAt)
    {
        public AlertEvent Last { get; set; } = fired;

        public DateTimeOffset LastNotifiedAt { get; set; } = notifiedAt;
    }
}

using System.Globalization;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage;

namespace MlPipeline.Broker.State;

/// <summary>
/// Turns CreateTopics configs into a <see cref="TopicConfig"/>: broker defaults from <see cref="BrokerOptions"/>,
/// overridden by the four topic configs this broker honours. Anything else is INVALID_CONFIG, so a client
/// never believes a setting (say cleanup.policy=compact) took effect when it did not.
/// </summary>
public sealed class TopicConfigFactory(BrokerOptions options)
{
    public const string RetentionMs = "retention.ms";
    public const string RetentionBytes = "retention.bytes";
    public const string SegmentBytes = "segment.bytes";
    public const string MaxMessageBytes = "max.message.bytes";

    /// <summary>The topic configs DescribeConfigs reports, in a stable order.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = [RetentionMs, RetentionBytes, SegmentBytes, MaxMessageBytes];

    public TopicConfig Default => new()
    {
        RetentionMs = options.DefaultRetentionMs,
        RetentionBytes = options.DefaultRetentionBytes,
        SegmentBytes = options.SegmentBytes,
        MaxMessageBytes = options.MaxMessageBytes,
    };

    /// <summary>
    /// Applies the request's configs to the broker defaults, checked as Kafka checks them: a name given twice, an
    /// unknown name, a value that is not a number or out of range (segment.bytes 1 MiB–1 GiB as Kafka 4; retention.ms
    /// and retention.bytes ≥ -1; max.message.bytes ≥ 0) is INVALID_CONFIG with a message naming it.
    /// </summary>
    public ErrorCode TryCreate(IReadOnlyList<(string Name, string? Value)> configs, out TopicConfig config, out string? errorMessage)
    {
        config = Default;
        errorMessage = null;
        if (configs.Count == 0) return ErrorCode.None;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, rawValue) in configs)
        {
            if (!seen.Add(name))
            {
                errorMessage = $"Config {name} is given more than once";
                return ErrorCode.InvalidConfig;
            }
            if (!SupportedNames.Contains(name))
            {
                errorMessage = $"Unsupported topic config {name}; supported: {string.Join(", ", SupportedNames)}";
                return ErrorCode.InvalidConfig;
            }
            if (rawValue is null) continue; // null = "use the default"
            string value = rawValue.Trim(); // Kafka trims config values too
            if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
            {
                errorMessage = $"Config {name}={rawValue} is not a number";
                return ErrorCode.InvalidConfig;
            }
            switch (name)
            {
                case RetentionMs when number >= -1:
                    config = config with { RetentionMs = number };
                    break;
                case RetentionBytes when number >= -1:
                    config = config with { RetentionBytes = number };
                    break;
                case SegmentBytes when number is >= BrokerOptionsValidator.MinSegmentBytes and <= BrokerOptionsValidator.MaxSegmentBytes:
                    config = config with { SegmentBytes = (int)number };
                    break;
                case MaxMessageBytes when number is >= 0 and <= int.MaxValue:
                    config = config with { MaxMessageBytes = (int)number };
                    break;
                default:
                    errorMessage = $"Config {name}={rawValue} is out of range; allowed: {AllowedRange(name)}";
                    return ErrorCode.InvalidConfig;
            }
            overrides[name] = value;
        }
        config = config with { Overrides = overrides };
        return ErrorCode.None;
    }

    private static string AllowedRange(string name) => name switch
    {
        SegmentBytes => $"{BrokerOptionsValidator.MinSegmentBytes}-{BrokerOptionsValidator.MaxSegmentBytes}",
        MaxMessageBytes => $"0-{int.MaxValue}",
        _ => "-1 or more",
    };

    /// <summary>The current value of a supported config, formatted as Kafka reports it.</summary>
    public static string ValueOf(TopicConfig config, string name) => name switch
    {
        RetentionMs => config.RetentionMs.ToString(CultureInfo.InvariantCulture),
        RetentionBytes => config.RetentionBytes.ToString(CultureInfo.InvariantCulture),
        SegmentBytes => config.SegmentBytes.ToString(CultureInfo.InvariantCulture),
        MaxMessageBytes => config.MaxMessageBytes.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a supported topic config"),
    };
}

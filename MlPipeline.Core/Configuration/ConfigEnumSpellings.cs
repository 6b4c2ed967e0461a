using System.Collections.Frozen;
using Confluent.Kafka;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// How each enum-valued key is spelled in the YAML file. The spellings are Kafka's own (SASL_SSL, SCRAM-SHA-256,
/// acks 0/1/all) rather than .NET member names, and each list is the complete set we accept: Confluent's
/// <see cref="SaslMechanism"/> also has GSSAPI/OAUTHBEARER and <see cref="AutoOffsetReset"/> has Error, which the
/// pipeline does not support. Parsing ignores case, as librdkafka does; messages list the canonical spelling.
/// </summary>
internal static class ConfigEnumSpellings
{
    private static readonly FrozenDictionary<Type, (string Spelling, Enum Value)[]> SpellingsByType =
        new Dictionary<Type, (string, Enum)[]>
        {
            [typeof(SecurityProtocol)] =
            [
                ("PLAINTEXT", SecurityProtocol.Plaintext), ("SASL_PLAINTEXT", SecurityProtocol.SaslPlaintext),
                ("SASL_SSL", SecurityProtocol.SaslSsl), ("SSL", SecurityProtocol.Ssl),
            ],
            [typeof(SaslMechanism)] =
            [
                ("PLAIN", SaslMechanism.Plain), ("SCRAM-SHA-256", SaslMechanism.ScramSha256),
                ("SCRAM-SHA-512", SaslMechanism.ScramSha512),
            ],
            [typeof(Acks)] = [("0", Acks.None), ("1", Acks.Leader), ("all", Acks.All)],
            [typeof(CompressionType)] =
            [
                ("none", CompressionType.None), ("gzip", CompressionType.Gzip), ("snappy", CompressionType.Snappy),
                ("lz4", CompressionType.Lz4), ("zstd", CompressionType.Zstd),
            ],
            [typeof(AutoOffsetReset)] = [("earliest", AutoOffsetReset.Earliest), ("latest", AutoOffsetReset.Latest)],
            [typeof(BrokerMode)] = [("embedded", BrokerMode.Embedded), ("external", BrokerMode.External)],
            [typeof(BrokerFlushPolicy)] = [("interval", BrokerFlushPolicy.Interval), ("always", BrokerFlushPolicy.Always)],
            [typeof(MissingValuePolicy)] =
            [
                ("reject", MissingValuePolicy.Reject), ("fill_default", MissingValuePolicy.FillDefault),
                ("fill_mean", MissingValuePolicy.FillMean),
            ],
            [typeof(TrainerKind)] =
            [
                ("fasttree", TrainerKind.FastTree), ("lightgbm", TrainerKind.LightGbm), ("sdca", TrainerKind.Sdca),
                ("fastforest", TrainerKind.FastForest), ("auto", TrainerKind.Auto),
            ],
            [typeof(TrainingTask)] =
            [
                ("auto", TrainingTask.Auto), ("regression", TrainingTask.Regression), ("binary", TrainingTask.Binary),
                ("multiclass", TrainingTask.Multiclass),
            ],
            [typeof(PromotionMode)] = [("compare_metric", PromotionMode.CompareMetric), ("always", PromotionMode.Always)],
            [typeof(PromotionMetric)] =
            [
                ("r_squared", PromotionMetric.RSquared), ("rmse", PromotionMetric.RootMeanSquaredError),
                ("mae", PromotionMetric.MeanAbsoluteError),
            ],
            [typeof(Microsoft.Extensions.Logging.LogLevel)] =
            [
                ("trace", Microsoft.Extensions.Logging.LogLevel.Trace), ("debug", Microsoft.Extensions.Logging.LogLevel.Debug),
                ("information", Microsoft.Extensions.Logging.LogLevel.Information),
                ("warning", Microsoft.Extensions.Logging.LogLevel.Warning), ("error", Microsoft.Extensions.Logging.LogLevel.Error),
                ("critical", Microsoft.Extensions.Logging.LogLevel.Critical), ("none", Microsoft.Extensions.Logging.LogLevel.None),
            ],
            [typeof(LogFormat)] = [("simple", LogFormat.Simple), ("json", LogFormat.Json), ("systemd", LogFormat.Systemd)],
            [typeof(AlertSeverity)] = [("info", AlertSeverity.Info), ("warning", AlertSeverity.Warning), ("critical", AlertSeverity.Critical)],
        }.ToFrozenDictionary();

    public static bool Supports(Type enumType) => SpellingsByType.ContainsKey(enumType);

    public static bool TryParse(Type enumType, string text, out Enum value)
    {
        foreach (var (spelling, candidate) in SpellingsByType[enumType])
        {
            if (string.Equals(spelling, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default!;
        return false;
    }

    public static bool TryParse<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum
    {
        var parsed = TryParse(typeof(TEnum), text, out var boxed);
        value = parsed ? (TEnum)boxed : default;
        return parsed;
    }

    /// <summary>"is not one of a, b, c" — the tail of every unknown-enum error.</summary>
    public static string NotOneOf(Type enumType) =>
        "is not one of " + string.Join(", ", SpellingsByType[enumType].Select(entry => entry.Spelling));

    public static string Spell(Enum value)
    {
        if (SpellingsByType.TryGetValue(value.GetType(), out var spellings))
        {
            foreach (var (spelling, candidate) in spellings)
            {
                if (candidate.Equals(value))
                {
                    return spelling;
                }
            }
        }

        return value.ToString();
    }
}

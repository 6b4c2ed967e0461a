using System.Globalization;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// DescribeConfigs (key 32), versions 0–1 (admin clients only; v4 is flexible).
//
// Resource type 2 (topic): the four topic configs the broker honours, each either a topic override (set at
// creation) or the broker default. Resource type 4 (broker, named by its node id or ""): the broker settings
// those defaults come from, read-only. Unknown topics are UNKNOWN_TOPIC_OR_PARTITION, other resource types
// INVALID_REQUEST, for that resource only. configuration_keys null means all.
//
// Per version: v0 reports is_default; v1 replaces it with config_source (1 topic override, 4 static broker
// config, 5 default) and adds synonyms when include_synonyms is set.
internal sealed class Api32DescribeConfigsHandler(TopicRegistry topics, BrokerOptions options, BrokerIdentity identity) : IApiHandler
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte SourceTopicOverride = 1;
    private const sbyte SourceStaticBroker = 4;
    private const sbyte SourceDefault = 5;

    public ApiKey ApiKey => ApiKey.DescribeConfigs;
    public short MinVersion => 0;
    public short MaxVersion => 1;

    private readonly record struct ConfigEntry(string Name, string Value, bool ReadOnly, sbyte Source);

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        int resourceCount = reader.ReadArrayCount(minElementSize: 7);
        var resources = new List<(sbyte Type, string Name, HashSet<string>? Keys)>(Math.Max(resourceCount, 0));
        for (int r = 0; r < resourceCount; r++)
        {
            sbyte type = reader.ReadInt8();
            string name = reader.ReadString();
            int keyCount = reader.ReadArrayCount(minElementSize: 2);
            HashSet<string>? keys = keyCount < 0 ? null : new HashSet<string>(StringComparer.Ordinal);
            for (int k = 0; k < keyCount; k++) keys!.Add(reader.ReadString());
            resources.Add((type, name, keys));
        }
        bool includeSynonyms = version >= 1 && reader.ReadBoolean();

        response.WriteInt32(0); // throttle_time_ms
        response.WriteArrayCount(resources.Count);
        foreach (var (type, name, keys) in resources)
        {
            var (error, message, entries) = Describe(type, name);
            response.WriteInt16(error);
            response.WriteNullableString(message);
            response.WriteInt8(type);
            response.WriteString(name);
            int countPosition = response.ReserveInt32();
            int written = 0;
            foreach (var entry in entries)
            {
                if (keys is not null && keys.Count > 0 && !keys.Contains(entry.Name)) continue;
                WriteEntry(response, version, entry, includeSynonyms);
                written++;
            }
            response.PatchInt32(countPosition, written);
        }
        return ValueTask.FromResult(true);
    }

    private (ErrorCode Error, string? Message, List<ConfigEntry> Entries) Describe(sbyte type, string name)
    {
        var entries = new List<ConfigEntry>();
        switch (type)
        {
            case TopicResource when topics.TryGetTopic(name, out var topic):
                foreach (string config in TopicConfigFactory.SupportedNames)
                {
                    bool overridden = topic.Config.Overrides.ContainsKey(config);
                    entries.Add(new ConfigEntry(config, TopicConfigFactory.ValueOf(topic.Config, config), ReadOnly: false,
                        overridden ? SourceTopicOverride : SourceDefault));
                }
                return (ErrorCode.None, null, entries);
            case TopicResource:
                return (ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist", entries);
            case BrokerResource when name.Length == 0 || name == identity.NodeId.ToString(CultureInfo.InvariantCulture):
                entries.Add(Broker("broker.id", identity.NodeId));
                entries.Add(Broker("num.partitions", options.DefaultPartitions));
                entries.Add(Broker("auto.create.topics.enable", options.AutoCreateTopics ? "true" : "false"));
                entries.Add(Broker("log.retention.ms", options.DefaultRetentionMs));
                entries.Add(Broker("log.retention.bytes", options.DefaultRetentionBytes));
                entries.Add(Broker("log.segment.bytes", options.SegmentBytes));
                entries.Add(Broker("message.max.bytes", options.MaxMessageBytes));
                entries.Add(Broker("socket.request.max.bytes", options.MaxRequestBytes));
                return (ErrorCode.None, null, entries);
            case BrokerResource:
                return (ErrorCode.InvalidRequest, $"This broker is node {identity.NodeId}, not '{name}'", entries);
            default:
                return (ErrorCode.InvalidRequest, $"Resource type {type} is not supported (2 = topic, 4 = broker)", entries);
        }
    }

    private static ConfigEntry Broker(string name, long value) => Broker(name, value.ToString(CultureInfo.InvariantCulture));

    private static ConfigEntry Broker(string name, string value) => new(name, value, ReadOnly: true, SourceStaticBroker);

    private static void WriteEntry(KafkaWriter response, short version, in ConfigEntry entry, bool includeSynonyms)
    {
        response.WriteString(entry.Name);
        response.WriteNullableString(entry.Value);
        response.WriteBoolean(entry.ReadOnly);
        if (version == 0) response.WriteBoolean(entry.Source == SourceDefault); // is_default
        else response.WriteInt8(entry.Source); // config_source
        response.WriteBoolean(false); // is_sensitive
        if (version >= 1)
        {
            // The only synonym is the entry itself: there is no separate dynamic or broker layer to report.
            response.WriteArrayCount(includeSynonyms ? 1 : 0);
            if (includeSynonyms)
            {
                response.WriteString(entry.Name);
                response.WriteNullableString(entry.Value);
                response.WriteInt8(entry.Source);
            }
        }
    }
}

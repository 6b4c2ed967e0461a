using MlPipeline.Broker.Protocol;
using MlPipeline.Tests.Broker.Storage;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// Well-formed request frames (size prefix included) of many API keys and versions, the seeds the hostile
/// input test mutates. They name only <see cref="Topic"/> and <see cref="Group"/>, so whatever a mutated
/// request still manages to do stays inside those two (no other test's topic can be hit by accident).
/// Header v1 throughout (every advertised version is non-flexible), plus the flexible ApiVersions v3 probe.
/// </summary>
public sealed class RequestTemplates(string topic, string group)
{
    private const string ClientId = "fuzzer";

    public string Topic { get; } = topic;

    public string Group { get; } = group;

    /// <summary>Every template, built once; each call to a mutator copies before changing anything.</summary>
    public IReadOnlyList<byte[]> All() =>
    [
        Frame(ApiKey.ApiVersions, 0, _ => { }),
        Frame(ApiKey.ApiVersions, 3, w =>
        {
            WriteCompactString(w, "fuzzer-client");
            WriteCompactString(w, "1.0");
            w.WriteEmptyTaggedFields();
        }, flexibleHeader: true),
        Frame(ApiKey.Metadata, 1, w => { w.WriteArrayCount(1); w.WriteString(Topic); }),
        Frame(ApiKey.Metadata, 8, w =>
        {
            w.WriteArrayCount(1);
            w.WriteString(Topic);
            w.WriteBoolean(true); // allow_auto_topic_creation
            w.WriteBoolean(false);
            w.WriteBoolean(false);
        }),
        Produce(3),
        Produce(7),
        Fetch(4),
        Fetch(11),
        Frame(ApiKey.ListOffsets, 1, w =>
        {
            w.WriteInt32(-1); // replica_id
            w.WriteArrayCount(1);
            w.WriteString(Topic);
            w.WriteArrayCount(1);
            w.WriteInt32(0);
            w.WriteInt64(-1); // latest
        }),
        Frame(ApiKey.FindCoordinator, 1, w => { w.WriteString(Group); w.WriteInt8(0); }),
        Frame(ApiKey.JoinGroup, 2, w =>
        {
            w.WriteString(Group);
            w.WriteInt32(1_000); // session timeout: short, so a parked join ends quickly
            w.WriteInt32(1_000); // rebalance timeout
            w.WriteString("");
            w.WriteString("consumer");
            w.WriteArrayCount(1);
            w.WriteString("range");
            w.WriteBytes([0, 0, 0, 0, 0, 1, 0, 5, (byte)'t', (byte)'o', (byte)'p', (byte)'i', (byte)'c', 0, 0, 0, 0]);
        }),
        Frame(ApiKey.Heartbeat, 1, w => { w.WriteString(Group); w.WriteInt32(1); w.WriteString("member-1"); }),
        Frame(ApiKey.SyncGroup, 1, w =>
        {
            w.WriteString(Group);
            w.WriteInt32(1);
            w.WriteString("member-1");
            w.WriteArrayCount(1);
            w.WriteString("member-1");
            w.WriteBytes([0, 0, 0, 0, 0, 0, 0, 0]);
        }),
        Frame(ApiKey.LeaveGroup, 1, w => { w.WriteString(Group); w.WriteString("member-1"); }),
        Frame(ApiKey.OffsetCommit, 2, w =>
        {
            w.WriteString(Group);
            w.WriteInt32(-1); // generation: a simple (group-less) commit
            w.WriteString("");
            w.WriteInt64(-1); // retention
            w.WriteArrayCount(1);
            w.WriteString(Topic);
            w.WriteArrayCount(1);
            w.WriteInt32(0);
            w.WriteInt64(1);
            w.WriteString("meta");
        }),
        Frame(ApiKey.OffsetFetch, 1, w =>
        {
            w.WriteString(Group);
            w.WriteArrayCount(1);
            w.WriteString(Topic);
            w.WriteArrayCount(2);
            w.WriteInt32(0);
            w.WriteInt32(1);
        }),
        Frame(ApiKey.DescribeGroups, 0, w => { w.WriteArrayCount(1); w.WriteString(Group); }),
        Frame(ApiKey.ListGroups, 0, _ => { }),
        Frame(ApiKey.CreateTopics, 2, w =>
        {
            w.WriteArrayCount(1);
            w.WriteString(Topic + "-created");
            w.WriteInt32(2);
            w.WriteInt16(1);
            w.WriteArrayCount(0);
            w.WriteArrayCount(1);
            w.WriteString("retention.ms");
            w.WriteString("60000");
            w.WriteInt32(1_000);
            w.WriteBoolean(false);
        }),
        // An unknown topic and validate_only: mutated copies exercise the parser without growing real topics.
        Frame(ApiKey.CreatePartitions, 1, w =>
        {
            w.WriteArrayCount(1);
            w.WriteString(Topic + "-absent");
            w.WriteInt32(4);
            w.WriteArrayCount(1);
            w.WriteArrayCount(1);
            w.WriteInt32(0);
            w.WriteInt32(1_000);
            w.WriteBoolean(true);
        }),
        Frame(ApiKey.InitProducerId, 1, w => { w.WriteNullableString(null); w.WriteInt32(60_000); }),
        Frame(ApiKey.DescribeConfigs, 1, w =>
        {
            w.WriteArrayCount(1);
            w.WriteInt8(2); // topic
            w.WriteString(Topic);
            w.WriteArrayCount(-1); // all configs
            w.WriteBoolean(false);
        }),
        Frame(ApiKey.OffsetForLeaderEpoch, 2, w =>
        {
            w.WriteArrayCount(1);
            w.WriteString(Topic);
            w.WriteArrayCount(1);
            w.WriteInt32(0);
            w.WriteInt32(0);
            w.WriteInt32(0);
        }),
    ];

    private byte[] Produce(short version) => Frame(ApiKey.Produce, version, w =>
    {
        w.WriteNullableString(null); // transactional_id
        w.WriteInt16(-1); // acks=all
        w.WriteInt32(1_000);
        w.WriteArrayCount(1);
        w.WriteString(Topic);
        w.WriteArrayCount(1);
        w.WriteInt32(0);
        w.WriteBytes(PartitionLogTestData.ABatch(first: 0, count: 3, timestamp: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    });

    private byte[] Fetch(short version) => Frame(ApiKey.Fetch, version, w =>
    {
        w.WriteInt32(-1); // replica_id
        w.WriteInt32(20); // max_wait_ms: short, so a parked fetch ends quickly
        w.WriteInt32(1);
        w.WriteInt32(1_048_576);
        w.WriteInt8(0);
        if (version >= 7)
        {
            w.WriteInt32(0); // session id
            w.WriteInt32(-1); // session epoch
        }
        w.WriteArrayCount(1);
        w.WriteString(Topic);
        w.WriteArrayCount(1);
        w.WriteInt32(0);
        if (version >= 9) w.WriteInt32(-1); // current leader epoch
        w.WriteInt64(0);
        if (version >= 5) w.WriteInt64(-1); // log start offset
        w.WriteInt32(1_048_576);
        if (version >= 7) w.WriteArrayCount(0); // forgotten topics
        if (version >= 11) w.WriteString(""); // rack id
    });

    private static byte[] Frame(ApiKey apiKey, short version, Action<KafkaWriter> body, bool flexibleHeader = false)
    {
        var writer = new KafkaWriter();
        int size = writer.ReserveInt32();
        writer.WriteInt16((short)apiKey);
        writer.WriteInt16(version);
        writer.WriteInt32(1); // correlation id: the mutator renumbers
        writer.WriteString(ClientId);
        if (flexibleHeader) writer.WriteEmptyTaggedFields();
        body(writer);
        writer.PatchInt32(size, writer.Length - 4);
        return writer.WrittenSpan.ToArray();
    }

    private static void WriteCompactString(KafkaWriter writer, string value)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(value);
        writer.WriteUnsignedVarInt((uint)bytes.Length + 1);
        writer.WriteRaw(bytes);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Broker;
using MlPipeline.Broker.Apis;
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage;

namespace MlPipeline.Tests.Broker.Groups;

/// <summary>
/// Composes the groups feature the way the server does (AddBrokerGroups over DI) with a fake clock, so
/// tests drive session and rebalance timeouts by advancing time instead of sleeping.
/// </summary>
internal sealed class GroupTestHost : IDisposable
{
    public const string ProtocolType = "consumer";
    public const int SessionTimeoutMs = 10_000;
    public const int RebalanceTimeoutMs = 30_000;

    private readonly ServiceProvider _provider;

    public GroupTestHost()
    {
        var options = new BrokerOptions { NodeId = 7, Host = "127.0.0.1", Port = 19092 };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton(options);
        services.AddSingleton<BrokerIdentity>();
        services.AddSingleton<IGroupOffsetStore>(Offsets);
        // The topic side too: OffsetCommit accepts offsets only for partitions that exist.
        services.AddSingleton<ILogStore, InMemoryLogStore>();
        services.AddBrokerApis();
        services.AddBrokerGroups();
        _provider = services.BuildServiceProvider();
        Topics.Create(CommittedTopic, 3, 1, [], validateOnly: false);
    }

    /// <summary>A topic of three partitions that exists from the start, for commits.</summary>
    public const string CommittedTopic = "t";

    public TopicRegistry Topics => _provider.GetRequiredService<TopicRegistry>();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public InMemoryGroupOffsetStore Offsets { get; } = new();
    public GroupCoordinator Coordinator => _provider.GetRequiredService<GroupCoordinator>();

    public IApiHandler Handler(ApiKey key) => _provider.GetServices<IApiHandler>().Single(h => h.ApiKey == key);

    /// <summary>Sends <paramref name="body"/> to the handler of <paramref name="key"/> and returns the response body.</summary>
    public async Task<byte[]> SendAsync(ApiKey key, short version, Action<KafkaWriter> body)
    {
        var request = new KafkaWriter();
        body(request);
        var header = new RequestHeader(key, version, CorrelationId: 1, ClientId: "test-client");
        var response = new KafkaWriter();
        bool answered = await Handler(key).HandleAsync(new ApiRequest(header, request.WrittenMemory, "10.0.0.9"), response, CancellationToken.None)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(answered, Is.True);
        return response.WrittenSpan.ToArray();
    }

    public static JoinGroupCommand AJoin(string groupId, string memberId = "", bool requireKnownMemberId = true,
        string protocol = "range", byte[]? metadata = null, int sessionTimeoutMs = SessionTimeoutMs,
        int rebalanceTimeoutMs = RebalanceTimeoutMs, string clientId = "client") =>
        new(groupId, memberId, null, clientId, "10.0.0.1", sessionTimeoutMs, rebalanceTimeoutMs, ProtocolType,
            [new GroupProtocol(protocol, metadata ?? [1, 2, 3])], requireKnownMemberId);

    /// <summary>Runs the v4+ two-step join: returns the pending member id handed out with MEMBER_ID_REQUIRED.</summary>
    public async Task<string> RequestMemberIdAsync(string groupId, string clientId = "client")
    {
        var first = await Coordinator.JoinGroupAsync(AJoin(groupId, clientId: clientId), CancellationToken.None);
        Assert.That(first.Error, Is.EqualTo(ErrorCode.MemberIdRequired));
        return first.MemberId;
    }

    /// <summary>Forms a Stable generation of <paramref name="count"/> members; the first is the leader.</summary>
    public async Task<(string[] MemberIds, int GenerationId)> FormStableGroupAsync(string groupId, int count, int sessionTimeoutMs = SessionTimeoutMs)
    {
        var ids = new string[count];
        for (int i = 0; i < count; i++) ids[i] = await RequestMemberIdAsync(groupId, $"client{i}");
        var joins = ids.Select(id => Coordinator.JoinGroupAsync(AJoin(groupId, id, sessionTimeoutMs: sessionTimeoutMs), CancellationToken.None)).ToArray();
        var results = await Task.WhenAll(joins).WaitAsync(TimeSpan.FromSeconds(5));
        int generation = results[0].GenerationId;
        var syncs = ids.Select(id => Coordinator.SyncGroupAsync(groupId, generation, id,
            id == results[0].LeaderId ? ids.Select(m => (m, new byte[] { 9 })).ToArray() : [], CancellationToken.None)).ToArray();
        await Task.WhenAll(syncs).WaitAsync(TimeSpan.FromSeconds(5));
        return (ids, generation);
    }

    public void Dispose() => _provider.Dispose();
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage;

namespace MlPipeline.Broker.State;

/// <summary>
/// Every topic of the broker, by name. The single owner of the <see cref="ILogStore"/>: topics are created,
/// recovered, grown (CreatePartitions, in TopicRegistry.Partitions.cs) and deleted only here. Lookups are lock-free
/// (the hot produce/fetch path); create, grow and delete are serialized by <c>_changeGate</c> so two CreateTopics
/// for one name cannot both succeed and a grow never races a delete of the same topic.
/// </summary>
public sealed partial class TopicRegistry : IDisposable
{
    /// <summary>Kafka's limit (249) leaves room for partition-directory suffixes.</summary>
    public const int MaxTopicNameLength = 249;

    private readonly ILogStore _store;
    private readonly IGroupOffsetStore _offsets;
    private readonly BrokerOptions _options;
    private readonly TopicConfigFactory _configs;
    private readonly ILogger<TopicRegistry> _logger;
    // Partitions log their own storage faults; a factory, not a second ILogger field (the logging generator allows one).
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _changeGate = new();
    // topic name => live topic
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    // Partitions of all live topics; guarded by _changeGate (read for the total limit, BrokerOptions.MaxPartitions).
    private int _totalPartitions;

    public TopicRegistry(ILogStore store, IGroupOffsetStore offsets, BrokerOptions options, TopicConfigFactory configs, ILogger<TopicRegistry> logger,
        ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _store = store;
        _offsets = offsets;
        _options = options;
        _configs = configs;
        _logger = logger;
        foreach (var descriptor in store.LoadTopics())
        {
            // Recovered as stored even past today's limits: refusing to open existing data would lose it.
            _topics[descriptor.Name] = Open(descriptor);
            _totalPartitions += descriptor.PartitionCount;
            LogRecovered(descriptor.Name, descriptor.PartitionCount);
        }
    }

    /// <summary>A snapshot of the live topics, sorted by name.</summary>
    public IReadOnlyList<TopicState> Topics
    {
        get
        {
            var topics = _topics.Values.ToArray();
            Array.Sort(topics, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return topics;
        }
    }

    public bool TryGetTopic(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TopicState? topic) =>
        _topics.TryGetValue(name, out topic);

    public PartitionState? GetPartition(string topic, int partition) =>
        _topics.TryGetValue(topic, out var state) ? state.GetPartition(partition) : null;

    /// <summary>BRIEF §7: 1–249 chars of [A-Za-z0-9._-], and not "." or "..".</summary>
    public static bool IsValidTopicName(string name)
    {
        if (name.Length is 0 or > MaxTopicNameLength || name is "." or "..") return false;
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) return false;
        return true;
    }

    /// <summary>
    /// Creates a topic (CreateTopics). -1 partitions / replication factor mean the broker default.
    /// With <paramref name="validateOnly"/> every check runs but nothing is created. A partition count above
    /// <see cref="BrokerOptions.MaxPartitionsPerTopic"/> is INVALID_PARTITIONS; one that would take the broker past
    /// <see cref="BrokerOptions.MaxPartitions"/> is POLICY_VIOLATION; a disk that cannot hold the topic is
    /// KAFKA_STORAGE_ERROR, with nothing of the topic left behind.
    /// </summary>
    public (ErrorCode Error, string? Message) Create(
        string name, int partitions, short replicationFactor, IReadOnlyList<(string Name, string? Value)> configs, bool validateOnly)
    {
        if (!IsValidTopicName(name))
            return (ErrorCode.InvalidTopicException, $"Topic name '{name}' is illegal: use 1-{MaxTopicNameLength} characters of [A-Za-z0-9._-], not '.' or '..'");
        if (partitions == -1) partitions = _options.DefaultPartitions;
        if (partitions <= 0 || partitions > _options.MaxPartitionsPerTopic)
            return (ErrorCode.InvalidPartitions, $"Number of partitions must be between 1 and {_options.MaxPartitionsPerTopic} (or -1 for the default), was {partitions}");
        if (replicationFactor is not (-1 or 1))
            return (ErrorCode.InvalidReplicationFactor, $"Replication factor must be 1 (or -1) on this single-node broker, was {replicationFactor}");
        var configError = _configs.TryCreate(configs, out var config, out string? configMessage);
        if (configError != ErrorCode.None) return (configError, configMessage);

        lock (_changeGate)
        {
            if (_topics.ContainsKey(name)) return (ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists");
            if (TotalLimitError(partitions) is { } limitError) return (ErrorCode.PolicyViolation, limitError);
            if (validateOnly) return (ErrorCode.None, null);
            return TryCreateLocked(new TopicDescriptor(name, Guid.NewGuid(), partitions, config), out _);
        }
    }

    /// <summary>
    /// The topic, creating it with the defaults when auto-creation is enabled and the request allows it
    /// (Metadata's allow_auto_topic_creation). Returns the error to report otherwise: UNKNOWN_TOPIC_OR_PARTITION when
    /// auto-creation is off, TOPIC_AUTHORIZATION_FAILED when clients may not create topics
    /// (<see cref="BrokerOptions.AllowClientTopicAdmin"/>), POLICY_VIOLATION past the partition limit.
    /// </summary>
    public (TopicState? Topic, ErrorCode Error) GetOrAutoCreate(string name, bool allowAutoCreate)
    {
        if (_topics.TryGetValue(name, out var existing)) return (existing, ErrorCode.None);
        if (!allowAutoCreate || !_options.AutoCreateTopics) return (null, ErrorCode.UnknownTopicOrPartition);
        if (!_options.AllowClientTopicAdmin) return (null, ErrorCode.TopicAuthorizationFailed);
        if (!IsValidTopicName(name)) return (null, ErrorCode.InvalidTopicException);
        lock (_changeGate)
        {
            if (_topics.TryGetValue(name, out existing)) return (existing, ErrorCode.None);
            if (TotalLimitError(_options.DefaultPartitions) is not null) return (null, ErrorCode.PolicyViolation);
            var (error, _) = TryCreateLocked(new TopicDescriptor(name, Guid.NewGuid(), _options.DefaultPartitions, _configs.Default), out var created);
            return (created, error);
        }
    }

    /// <summary>Why adding <paramref name="added"/> partitions would break the total limit; null when it would not. Call under the gate.</summary>
    private string? TotalLimitError(int added) =>
        _totalPartitions + (long)added > _options.MaxPartitions
            ? $"The broker has {_totalPartitions} partitions; {added} more would exceed its limit of {_options.MaxPartitions} (broker max_partitions)"
            : null;

    /// <summary>
    /// Deletes a topic: fetches parked on it wake up (and see it gone), its logs close, its data and every
    /// group's committed offsets for it are removed.
    /// </summary>
    public ErrorCode Delete(string name)
    {
        lock (_changeGate)
        {
            if (!_topics.TryRemove(name, out var topic)) return ErrorCode.UnknownTopicOrPartition;
            _totalPartitions -= topic.Partitions.Count;
            foreach (var partition in topic.Partitions) partition.Close();
            _store.DeleteTopic(name);
            _offsets.DeleteTopic(name);
            LogDeleted(name);
            return ErrorCode.None;
        }
    }

    /// <summary>Forces every partition's appended data to disk (the flush-interval timer).</summary>
    public void FlushAll()
    {
        foreach (var topic in _topics.Values)
            foreach (var partition in topic.Partitions)
                if (!partition.IsClosed) FlushQuietly(partition);
    }

    /// <summary>Drops segments outside retention in every partition; returns how many were removed.</summary>
    public int ApplyRetention(DateTimeOffset now)
    {
        int removed = 0;
        foreach (var topic in _topics.Values)
            foreach (var partition in topic.Partitions)
            {
                if (partition.IsClosed) continue;
                try
                {
                    removed += partition.Log.ApplyRetention(now);
                }
                catch (ObjectDisposedException) when (partition.IsClosed)
                {
                    // Deleted while we looked at it: nothing left to retain.
                }
            }
        return removed;
    }

    /// <summary>Forgets idempotent producers idle longer than <see cref="BrokerOptions.ProducerIdExpiration"/> in every partition; returns how many.</summary>
    public int ExpireProducers(DateTimeOffset now)
    {
        long appendedBeforeMs = (now - _options.ProducerIdExpiration).ToUnixTimeMilliseconds();
        int expired = 0;
        foreach (var topic in _topics.Values)
            foreach (var partition in topic.Partitions)
                expired += partition.ExpireProducers(appendedBeforeMs);
        return expired;
    }

    public void Dispose()
    {
        lock (_changeGate)
        {
            foreach (var topic in _topics.Values)
                foreach (var partition in topic.Partitions)
                {
                    FlushQuietly(partition);
                    partition.Close();
                }
            _topics.Clear();
        }
    }

    private void FlushQuietly(PartitionState partition)
    {
        try
        {
            partition.Log.Flush();
        }
        catch (ObjectDisposedException) when (partition.IsClosed)
        {
            // Deleted concurrently; its data is gone anyway.
        }
    }

    /// <summary>
    /// Opens every partition, then records the descriptor: a descriptor is never written for a topic whose logs could
    /// not all be opened (the failure that once left a broker unable to restart). On an I/O failure the partitions
    /// opened so far are closed and their folders removed, and the answer is KAFKA_STORAGE_ERROR.
    /// </summary>
    private (ErrorCode Error, string? Message) TryCreateLocked(TopicDescriptor descriptor, out TopicState? created)
    {
        created = null;
        var partitions = new PartitionState[descriptor.PartitionCount];
        int opened = 0;
        try
        {
            for (; opened < partitions.Length; opened++)
                partitions[opened] = OpenPartition(descriptor, opened);
            _store.CreateTopic(descriptor);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            for (int i = 0; i < opened; i++) partitions[i].Close();
            RemoveLeftoversQuietly(descriptor.Name);
            LogCreateFailed(ex, descriptor.Name, _options.DataDirectory ?? "memory", ex.Message);
            return (ErrorCode.KafkaStorageError, $"Topic '{descriptor.Name}' could not be stored: {ex.Message}");
        }
        created = new TopicState(descriptor, partitions);
        _topics[descriptor.Name] = created;
        _totalPartitions += descriptor.PartitionCount;
        LogCreated(descriptor.Name, descriptor.PartitionCount);
        return (ErrorCode.None, null);
    }

    /// <summary>Removes what a failed create left on disk; a disk too broken for that leaves only unreferenced folders.</summary>
    private void RemoveLeftoversQuietly(string name)
    {
        try
        {
            _store.DeleteTopic(name);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No descriptor names these folders, so a restart ignores them and a later create reuses them.
        }
    }

    private TopicState Open(TopicDescriptor descriptor)
    {
        var partitions = new PartitionState[descriptor.PartitionCount];
        for (int i = 0; i < partitions.Length; i++)
            partitions[i] = OpenPartition(descriptor, i);
        return new TopicState(descriptor, partitions);
    }

    /// <summary>Opens one partition's log and state; the only place a <see cref="PartitionState"/> is built, so every
    /// partition (created, recovered or added by CreatePartitions) logs its storage faults.</summary>
    private PartitionState OpenPartition(TopicDescriptor descriptor, int index) =>
        new(descriptor.Name, index, descriptor.Config, _store.OpenPartition(descriptor, index),
            _options.DataDirectory ?? "memory", _loggerFactory.CreateLogger<PartitionState>(), _timeProvider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions")]
    private partial void LogCreated(string topic, int partitions);

    [LoggerMessage(Level = LogLevel.Error, Message = "Creating topic {Topic} in {StorageLocation} failed, the client gets KAFKA_STORAGE_ERROR: {Reason}")]
    private partial void LogCreateFailed(Exception exception, string topic, string storageLocation, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered topic {Topic} with {Partitions} partitions")]
    private partial void LogRecovered(string topic, int partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted topic {Topic}")]
    private partial void LogDeleted(string topic);
}

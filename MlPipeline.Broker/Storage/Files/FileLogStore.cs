using System.Collections.Concurrent;
using System.Text.Json;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// The durable store under <see cref="BrokerOptions.DataDirectory"/>:
/// <list type="bullet">
/// <item><c>&lt;data&gt;/&lt;topic&gt;-&lt;partition&gt;/</c>: one <see cref="FilePartitionLog"/> per partition;</item>
/// <item><c>&lt;data&gt;/__topics/&lt;name&gt;.json</c>: topic descriptors, each replaced atomically;</item>
/// <item><c>&lt;data&gt;/__group_offsets/offsets.journal</c>: the <see cref="FileGroupOffsetStore"/>.</item>
/// </list>
/// Topic names can't contain '/', and a partition folder always ends in "-&lt;digits&gt;", so the two
/// "__" folders never collide with a topic's data.
/// </summary>
public sealed class FileLogStore : ILogStore
{
    private const string TopicsFolder = "__topics";
    private const string OffsetsFolder = "__group_offsets";
    private readonly JsonSerializerOptions _descriptorJson = new() { WriteIndented = true };

    private readonly string _dataDirectory;
    private readonly string _topicsDirectory;
    private readonly FlushPolicy _flushPolicy;
    private readonly FileGroupOffsetStore _offsets;
    private readonly SegmentFileCache _segmentFiles;
    // Logs opened and not yet disposed, so FlushAll can reach them (the registry owns their lifetime).
    private readonly ConcurrentDictionary<FilePartitionLog, byte> _openLogs = new();

    public FileLogStore(BrokerOptions options)
    {
        _dataDirectory = options.DataDirectory ?? throw new ArgumentException("FileLogStore needs BrokerOptions.DataDirectory.", nameof(options));
        _flushPolicy = options.FlushPolicy;
        _topicsDirectory = Path.Combine(_dataDirectory, TopicsFolder);
        Directory.CreateDirectory(_topicsDirectory);
        _offsets = new FileGroupOffsetStore(Path.Combine(_dataDirectory, OffsetsFolder));
        _segmentFiles = new SegmentFileCache(options.MaxOpenSealedSegments);
    }

    public IGroupOffsetStore Offsets => _offsets;

    /// <summary>Segment files open right now (each partition's active segment plus the cache of sealed ones).</summary>
    public int OpenSegmentFiles => _segmentFiles.OpenFiles;

    public IReadOnlyList<TopicDescriptor> LoadTopics() =>
        Directory.EnumerateFiles(_topicsDirectory, "*.json")
            .Select(path => JsonSerializer.Deserialize<TopicDescriptor>(File.ReadAllBytes(path), _descriptorJson)
                ?? throw new InvalidDataException($"Topic descriptor {path} is empty."))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();

    public void CreateTopic(TopicDescriptor topic) =>
        DurableFile.WriteAtomically(DescriptorPath(topic.Name), JsonSerializer.SerializeToUtf8Bytes(topic, _descriptorJson));

    public void DeleteTopic(string name)
    {
        // The descriptor goes first: after a crash mid-delete the topic is gone, and leftover partition
        // folders are only unreferenced data.
        File.Delete(DescriptorPath(name));
        var prefix = name + "-";
        foreach (var folder in Directory.EnumerateDirectories(_dataDirectory, prefix + "*"))
        {
            var suffix = Path.GetFileName(folder)[prefix.Length..];
            if (suffix.Length > 0 && suffix.All(char.IsAsciiDigit))
                Directory.Delete(folder, recursive: true);
        }
        _offsets.DeleteTopic(name);
    }

    public IPartitionLog OpenPartition(TopicDescriptor topic, int partition)
    {
        var log = new FilePartitionLog(PartitionDirectory(topic.Name, partition), topic.Config, _flushPolicy, _segmentFiles, closed => _openLogs.TryRemove(closed, out _));
        _openLogs.TryAdd(log, 0);
        return log;
    }

    /// <summary>
    /// Forces every open partition's appended data to disk. Under <see cref="FlushPolicy.Interval"/> the
    /// server calls this every <see cref="BrokerOptions.FlushInterval"/> and once at shutdown.
    /// </summary>
    public void FlushAll()
    {
        foreach (var log in _openLogs.Keys)
            log.Flush();
    }

    public void Dispose()
    {
        foreach (var log in _openLogs.Keys)
            log.Dispose();
        _offsets.Dispose();
    }

    private string DescriptorPath(string topic) => Path.Combine(_topicsDirectory, topic + ".json");

    private string PartitionDirectory(string topic, int partition) => Path.Combine(_dataDirectory, $"{topic}-{partition}");
}

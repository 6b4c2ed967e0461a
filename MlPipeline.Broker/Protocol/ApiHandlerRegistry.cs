using MlPipeline.Broker.Apis;

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Every <see cref="IApiHandler"/> registered in DI, indexed by API key. This is the single source of the
/// version ranges ApiVersions advertises, so the broker can never advertise an API it does not handle
/// (librdkafka starts using APIs such as 68–72 as soon as they are advertised).
/// </summary>
public sealed class ApiHandlerRegistry
{
    // Indexed by the API key (all keys we implement are small); null = not implemented.
    private readonly IApiHandler?[] _byKey;

    public ApiHandlerRegistry(IEnumerable<IApiHandler> handlers)
    {
        var sorted = handlers.ToArray();
        Array.Sort(sorted, static (a, b) => a.ApiKey.CompareTo(b.ApiKey));
        _byKey = new IApiHandler?[sorted.Length == 0 ? 0 : (int)sorted[^1].ApiKey + 1];
        foreach (var handler in sorted)
        {
            if ((short)handler.ApiKey < 0) throw new ArgumentException($"API key {handler.ApiKey} is negative");
            if (_byKey[(short)handler.ApiKey] is { } other)
                throw new InvalidOperationException($"Two handlers registered for API {handler.ApiKey}: {other.GetType().Name} and {handler.GetType().Name}");
            if (handler.MinVersion < 0 || handler.MaxVersion < handler.MinVersion)
                throw new InvalidOperationException($"{handler.GetType().Name} declares an invalid version range {handler.MinVersion}-{handler.MaxVersion}");
            _byKey[(short)handler.ApiKey] = handler;
        }
        Handlers = sorted;
    }

    /// <summary>All handlers, ordered by API key.</summary>
    public IReadOnlyList<IApiHandler> Handlers { get; }

    public IApiHandler? Find(ApiKey apiKey) =>
        (ushort)apiKey < (uint)_byKey.Length ? _byKey[(short)apiKey] : null;
}

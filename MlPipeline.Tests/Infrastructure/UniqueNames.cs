namespace MlPipeline.Tests.Infrastructure;

/// <summary>
/// Names that never collide between tests sharing one broker (topics, groups, client ids), so tests stay
/// independent and can run in parallel.
/// </summary>
public static class UniqueNames
{
    /// <summary>E.g. <c>For("topic")</c> → "topic-3f9c1a2b7d4e".</summary>
    public static string For(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}

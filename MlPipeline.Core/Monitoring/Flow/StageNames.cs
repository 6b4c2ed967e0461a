namespace MlPipeline.Core.Monitoring;

/// <summary>
/// Maps consumer groups to stage names: each stage consumes as <c>{consumer.group_id}.{stage}</c>, so the stage is
/// what follows the configured group; any other group (another service, a test) is shown by its full id.
/// </summary>
public sealed class StageNames(string baseGroupId)
{
    public string FromGroupId(string groupId) =>
        groupId.Length > baseGroupId.Length + 1
        && groupId.StartsWith(baseGroupId, StringComparison.Ordinal)
        && groupId[baseGroupId.Length] == '.'
            ? groupId[(baseGroupId.Length + 1)..]
            : groupId;
}

namespace MlPipeline.Broker.Apis;

/// <summary>What CreateTopics and CreatePartitions tell a client when <see cref="BrokerOptions.AllowClientTopicAdmin"/> is off.</summary>
internal static class TopicAdminDisabled
{
    public const string Message = "Topic administration by clients is disabled on this broker (broker.allow_client_topic_admin: false)";
}

using System.Globalization;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// Rules a bound <see cref="PipelineConfig"/> must satisfy before any client is built. Ranges follow what
/// librdkafka itself accepts (so a bad value fails here with its key, not later inside a client constructor with
/// a librdkafka property name), plus the pipeline's own rules (idempotent acks=all, valid and distinct topics).
/// </summary>
public sealed partial class PipelineConfigValidator
{
    // librdkafka's own limits (CONFIGURATION.md) for the properties each key maps to.
    private const int MaxTimeoutMs = 900_000;
    private const int MaxSessionTimeoutMs = 3_600_000;
    private const int MaxPollIntervalSeconds = 86_400;
    private const int MaxConsumerThreads = 256;
    private const int LibrdkafkaMessageMaxBytes = 1_000_000; // consumer default; fetch.max.bytes may not be lower
    private const int MaxFetchBytes = int.MaxValue - 512; // receive.message.max.bytes must fit fetch.max.bytes + 512
    private const int MaxKafkaTopicNameLength = 249;

    /// <summary>Every rule violation of <paramref name="config"/> as one line each; empty when valid.</summary>
    public IReadOnlyList<string> Validate(PipelineConfig config, string source)
    {
        var errors = new ConfigurationErrorList(source);
        Validate(config, errors);
        return errors.Errors;
    }

    internal void Validate(PipelineConfig config, ConfigurationErrorList errors)
    {
        ValidateKafka(config.Kafka, errors);
        ValidateTopics(config.Topics, errors);
        ValidateProducer(config.Producer, errors);
        ValidateConsumer(config.Consumer, config.Performance, errors);
        ValidateSchemaRegistry(config.SchemaRegistry, errors);
        ValidateMonitoring(config.Monitoring, errors);
        ValidateErrorHandling(config.ErrorHandling, errors);
        ValidatePerformance(config.Performance, errors);
        ValidateBroker(config.Broker, errors);
        InRange(errors, "http.port", config.Http.Port, 0, 65_535);
        InRange(errors, "service.shutdown_timeout_seconds", config.Service.ShutdownTimeoutSeconds, 1, 3_600);
        ValidateData(config.Data, errors);
        ValidateTraining(config.Training, errors);
        ValidateServing(config.Serving, errors);
        ValidateAlerts(config.Alerts, errors);
        ValidateAuth(config.Auth, errors);
        ValidateRateLimits(config.RateLimits, errors);
        ValidateLogging(config.Logging, errors);
    }

    private static void ValidateAuth(AuthOptions auth, ConfigurationErrorList errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < auth.ApiKeys.Count; i++)
        {
            var entry = auth.ApiKeys[i];
            var path = $"auth.api_keys[{i}]";
            if (string.IsNullOrWhiteSpace(entry.Name))
                errors.InvalidValue(path + ".name", entry.Name, "must name who holds the key (it appears in logs instead of the key)");
            else if (!names.Add(entry.Name))
                errors.InvalidValue(path + ".name", entry.Name, "is used by another key; each key needs its own name");
            if (!Security.ApiRoles.IsKnown(entry.Role))
                errors.InvalidValue(path + ".role", entry.Role, "is not one of: predict, admin");
            if (entry.Sha256.Length != 64 || !entry.Sha256.All(char.IsAsciiHexDigit))
                errors.InvalidSecret(path + ".sha256",
                    "must be the key's SHA-256 as 64 hex digits (never the key itself); 'MlPipeline.Host keys create NAME' prints it");
        }
    }

    private static void ValidateRateLimits(RateLimitOptions limits, ConfigurationErrorList errors)
    {
        InRange(errors, "rate_limits.predict_per_second", limits.PredictPerSecond, 1, 1_000_000);
        InRange(errors, "rate_limits.predict_burst", limits.PredictBurst, 1, 10_000_000);
        InRange(errors, "rate_limits.admin_per_minute", limits.AdminPerMinute, 1, 1_000_000);
    }

    private static void ValidateLogging(LoggingOptions logging, ConfigurationErrorList errors)
    {
        foreach (var category in logging.Levels.Keys.Where(string.IsNullOrWhiteSpace))
        {
            errors.InvalidValue("logging.levels", category, "a category must be a logger name or prefix, e.g. MlPipeline.Core.Stages");
        }
    }

    private static void ValidateData(DataSectionOptions data, ConfigurationErrorList errors)
    {
        NotBlank(errors, "data.data_dir", data.DataDir, "a directory path");
        NotBlank(errors, "data.uploads_dir", data.UploadsDir, "a directory path relative to data.data_dir");
        if (Path.IsPathRooted(data.UploadsDir) || data.UploadsDir.Split('/', '\\').Contains(".."))
        {
            errors.InvalidValue("data.uploads_dir", data.UploadsDir, "must be a relative path inside data.data_dir");
        }

        NotBlank(errors, "data.label_column", data.LabelColumn, "the name of the column to predict");
        if (DataSectionOptions.SplitList(data.FeatureColumns).Contains(data.LabelColumn, StringComparer.Ordinal))
        {
            errors.InvalidValue("data.feature_columns", data.FeatureColumns,
                $"contains the label column '{data.LabelColumn}'; the label can never be a feature");
        }

        if (data.MissingCategorical == Data.MissingValuePolicy.FillMean)
        {
            errors.InvalidValue("data.missing_categorical", data.MissingCategorical, "is not allowed; allowed: reject, fill_default");
        }

        if (data.MissingDate == Data.MissingValuePolicy.FillMean)
        {
            errors.InvalidValue("data.missing_date", data.MissingDate, "is not allowed; allowed: reject, fill_default");
        }

        InRange(errors, "data.chunk_size", data.ChunkSize, 1, 100_000);
        InRange(errors, "data.schema_sample_rows", data.SchemaSampleRows, 1, 1_000_000);
        InRange(errors, "data.ingestion_queue_capacity", data.IngestionQueueCapacity, 1, 10_000);
        InRange(errors, "data.max_upload_bytes", data.MaxUploadBytes, 1, long.MaxValue);
    }

    private static void ValidateTraining(TrainingSectionOptions training, ConfigurationErrorList errors)
    {
        DoubleInRange(errors, "training.holdout_fraction", training.HoldoutFraction, 0.05, 0.5);
        DoubleInRange(errors, "training.search_seconds", training.SearchSeconds, 1, 86_400);
        InRange(errors, "training.cv_folds", training.CvFolds, 2, 10);
        InRange(errors, "training.number_of_trees", training.NumberOfTrees, 1, 10_000);
        InRange(errors, "training.number_of_leaves", training.NumberOfLeaves, 2, 1_000);
        InRange(errors, "training.minimum_example_count_per_leaf", training.MinimumExampleCountPerLeaf, 1, 100_000);
        DoubleInRange(errors, "training.learning_rate", training.LearningRate, 0.0001, 1.0);
        InRange(errors, "training.threads", training.Threads, 0, 1_024);
        InRange(errors, "training.min_rows", training.MinRows, 2, int.MaxValue);
        InRange(errors, "training.retrain_every_rows", training.RetrainEveryRows, 0, int.MaxValue);
        InRange(errors, "training.max_queued_trainings", training.MaxQueuedTrainings, 1, 10_000);
        if (!ModelStore.IsValidName(training.ModelName))
        {
            errors.InvalidValue("training.model_name", training.ModelName,
                "is not a valid model name: letters, digits, '.', '_' or '-', not starting with '.'");
        }

        NotBlank(errors, "training.models_dir", training.ModelsDir, "a directory path");
        InRange(errors, "training.keep_versions", training.KeepVersions, 1, 10_000);
        if (!(training.PromotionMargin >= 0) || double.IsInfinity(training.PromotionMargin))
        {
            errors.InvalidValue("training.promotion_margin", training.PromotionMargin, "must be a finite number >= 0");
        }

        NotBlank(errors, "training.data_dir", training.DataDir, "a directory path");
    }

    private static void ValidateServing(ServingOptions serving, ConfigurationErrorList errors)
    {
        if (!ModelStore.IsValidName(serving.DefaultModel))
        {
            errors.InvalidValue("serving.default_model", serving.DefaultModel,
                "is not a model name: letters, digits, '.', '_' or '-', not starting with '.'");
        }

        InRange(errors, "serving.results_cache_size", serving.ResultsCacheSize, 1, 10_000_000);
        InRange(errors, "serving.results_ttl_seconds", serving.ResultsTtlSeconds, 1, 86_400);
        InRange(errors, "serving.max_wait_ms", serving.MaxWaitMs, 0, 300_000);
        InRange(errors, "serving.max_request_bytes", serving.MaxRequestBytes, 64, 100_000_000);
        InRange(errors, "serving.max_batch_requests", serving.MaxBatchRequests, 1, 100_000);
        InRange(errors, "serving.batch_size", serving.BatchSize, 1, 1_000_000);
        InRange(errors, "serving.engine_pool_size", serving.EnginePoolSize, 1, 1_024);
        InRange(errors, "serving.max_waiting_http_predictions", serving.MaxWaitingHttpPredictions, 1, 1_000_000);
    }

    private static void NotBlank(ConfigurationErrorList errors, string keyPath, string? value, string expected)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.InvalidValue(keyPath, value, $"is empty; expected {expected}");
        }
    }

    private static void DoubleInRange(ConfigurationErrorList errors, string keyPath, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            errors.InvalidValue(keyPath, value, $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static void ValidateKafka(KafkaOptions kafka, ConfigurationErrorList errors)
    {
        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            errors.InvalidValue("kafka.bootstrap_servers", kafka.BootstrapServers,
                "is empty; expected host:port[,host:port...]");
        }
        else if (kafka.BootstrapServers.Split(',').Any(server => !IsHostAndPort(server.Trim())))
        {
            errors.InvalidValue("kafka.bootstrap_servers", kafka.BootstrapServers,
                "is not a comma-separated list of host:port with ports 1-65535");
        }

        if (kafka.SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl)
        {
            var protocol = ConfigEnumSpellings.Spell(kafka.SecurityProtocol);
            if (kafka.SaslMechanism is null)
            {
                errors.InvalidValue("kafka.sasl_mechanism", null,
                    $"is required with security_protocol {protocol}; allowed: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
            }

            if (string.IsNullOrEmpty(kafka.SaslUsername))
            {
                errors.InvalidValue("kafka.sasl_username", kafka.SaslUsername,
                    $"is required with security_protocol {protocol}");
            }

            if (string.IsNullOrEmpty(kafka.SaslPassword))
            {
                errors.InvalidSecret("kafka.sasl_password", $"is required with security_protocol {protocol}");
            }
        }

        FileExists(errors, "kafka.ssl_cafile", kafka.SslCaFile);
        FileExists(errors, "kafka.ssl_certfile", kafka.SslCertFile);
        FileExists(errors, "kafka.ssl_keyfile", kafka.SslKeyFile);
        if (!string.IsNullOrEmpty(kafka.SslCertFile) && string.IsNullOrEmpty(kafka.SslKeyFile))
        {
            errors.InvalidValue("kafka.ssl_keyfile", kafka.SslKeyFile,
                "is required when kafka.ssl_certfile is set (a client certificate needs its private key)");
        }
    }

    private static void ValidateTopics(TopicsOptions topics, ConfigurationErrorList errors)
    {
        var firstKeyByName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var topic in topics.All)
        {
            if (!IsValidTopicName(topic.Name))
            {
                errors.InvalidValue(topic.KeyPath, topic.Name,
                    "is not a valid Kafka topic name: 1-249 characters of A-Z a-z 0-9 . _ - (and not '.' or '..')");
            }
            else if (!firstKeyByName.TryAdd(topic.Name, topic.KeyPath))
            {
                errors.InvalidValue(topic.KeyPath, topic.Name,
                    $"is already used by {firstKeyByName[topic.Name]}; every topic must have its own name");
            }
        }
    }

    private static void ValidateProducer(ProducerOptions producer, ConfigurationErrorList errors)
    {
        InRange(errors, "producer.retries", producer.Retries, 0, int.MaxValue);
        InRange(errors, "producer.batch_size", producer.BatchSize, 1, int.MaxValue);
        InRange(errors, "producer.linger_ms", producer.LingerMs, 0, MaxTimeoutMs);
        InRange(errors, "producer.buffer_memory", producer.BufferMemory, 1024, (long)int.MaxValue * 1024);
        InRange(errors, "producer.max_request_size", producer.MaxRequestSize, 1_000, 1_000_000_000);
        InRange(errors, "producer.request_timeout_ms", producer.RequestTimeoutMs, 1, MaxTimeoutMs);
        InRange(errors, "producer.delivery_timeout_ms", producer.DeliveryTimeoutMs, 1_000, int.MaxValue);
        if (producer.DeliveryTimeoutMs >= 1_000 && producer.DeliveryTimeoutMs < (long)producer.LingerMs + producer.RequestTimeoutMs)
        {
            errors.InvalidValue("producer.delivery_timeout_ms", producer.DeliveryTimeoutMs,
                $"must be at least producer.linger_ms + producer.request_timeout_ms ({(long)producer.LingerMs + producer.RequestTimeoutMs}) so one attempt fits");
        }

        // See ProducerOptions.EnableIdempotence: acks=all without idempotence can duplicate on retry, and
        // librdkafka rejects idempotence unless acks=all and retries >= 1.
        if (producer.Acks == Acks.All && !producer.EnableIdempotence)
        {
            errors.InvalidValue("producer.enable_idempotence", false,
                "is not allowed with producer.acks = all; must be true (retries would otherwise write duplicates)");
        }
        else if (producer.Acks != Acks.All && producer.EnableIdempotence)
        {
            errors.InvalidValue("producer.acks", producer.Acks,
                "is not allowed with producer.enable_idempotence = true; must be all");
        }

        if (producer.EnableIdempotence && producer.Retries == 0)
        {
            errors.InvalidValue("producer.retries", producer.Retries,
                "is not allowed with producer.enable_idempotence = true; must be at least 1");
        }
    }

    private static void ValidateConsumer(ConsumerOptions consumer, PerformanceOptions performance, ConfigurationErrorList errors)
    {
        if (string.IsNullOrWhiteSpace(consumer.GroupId))
        {
            errors.InvalidValue("consumer.group_id", consumer.GroupId, "is empty; a consumer group name is required");
        }

        InRange(errors, "consumer.auto_commit_interval_ms", consumer.AutoCommitIntervalMs, 1, 86_400_000);
        var sessionOk = InRange(errors, "consumer.session_timeout_ms", consumer.SessionTimeoutMs, 1, MaxSessionTimeoutMs);
        var heartbeatOk = InRange(errors, "consumer.heartbeat_interval_ms", consumer.HeartbeatIntervalMs, 1, MaxSessionTimeoutMs);
        if (sessionOk && heartbeatOk && consumer.HeartbeatIntervalMs >= consumer.SessionTimeoutMs)
        {
            errors.InvalidValue("consumer.heartbeat_interval_ms", consumer.HeartbeatIntervalMs,
                $"must be less than consumer.session_timeout_ms ({consumer.SessionTimeoutMs}); a third of it is usual");
        }

        // librdkafka: max.poll.interval.ms (our processing timeout) must be >= session.timeout.ms.
        if (sessionOk && (long)performance.ProcessingTimeoutSeconds * 1000 < consumer.SessionTimeoutMs
            && performance.ProcessingTimeoutSeconds > 0)
        {
            errors.InvalidValue("performance.processing_timeout_seconds", performance.ProcessingTimeoutSeconds,
                $"must be at least consumer.session_timeout_ms ({consumer.SessionTimeoutMs} ms)");
        }

        InRange(errors, "consumer.max_poll_records", consumer.MaxPollRecords, 1, 1_000_000);
        InRange(errors, "consumer.fetch_max_wait_ms", consumer.FetchMaxWaitMs, 0, 300_000);
        var minOk = InRange(errors, "consumer.fetch_min_bytes", consumer.FetchMinBytes, 1, 100_000_000);
        var maxOk = InRange(errors, "consumer.fetch_max_bytes", consumer.FetchMaxBytes, LibrdkafkaMessageMaxBytes, MaxFetchBytes);
        if (minOk && maxOk && consumer.FetchMinBytes > consumer.FetchMaxBytes)
        {
            errors.InvalidValue("consumer.fetch_min_bytes", consumer.FetchMinBytes,
                $"must not exceed consumer.fetch_max_bytes ({consumer.FetchMaxBytes})");
        }
    }

    private static void ValidateSchemaRegistry(SchemaRegistryOptions registry, ConfigurationErrorList errors)
    {
        var isHttpUrl = Uri.TryCreate(registry.Url, UriKind.Absolute, out var url)
            && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
        if (!isHttpUrl && (registry.Enabled || !string.IsNullOrEmpty(registry.Url)))
        {
            errors.InvalidValue("schema_registry.url", registry.Url, "is not an absolute http:// or https:// URL");
        }
    }

    private static void ValidateMonitoring(MonitoringOptions monitoring, ConfigurationErrorList errors)
    {
        InRange(errors, "monitoring.metrics_interval_seconds", monitoring.MetricsIntervalSeconds, 1, 86_400);
        InRange(errors, "monitoring.health_check_interval_seconds", monitoring.HealthCheckIntervalSeconds, 1, 86_400);
        InRange(errors, "monitoring.status_interval_seconds", monitoring.StatusIntervalSeconds, 1, 3_600);
        InRange(errors, "monitoring.throughput_bucket_seconds", monitoring.ThroughputBucketSeconds, 1, 3_600);
        if (InRange(errors, "monitoring.drift_window_size", monitoring.DriftWindowSize, 10, 1_000_000))
        {
            InRange(errors, "monitoring.drift_min_samples", monitoring.DriftMinSamples, 1, monitoring.DriftWindowSize);
        }
    }

    private static void ValidateAlerts(AlertsOptions alerts, ConfigurationErrorList errors)
    {
        InRange(errors, "alerts.cooldown_seconds", alerts.CooldownSeconds, 0, 86_400);
        InRange(errors, "alerts.consumer_lag.threshold", alerts.ConsumerLag.Threshold, 0, long.MaxValue);
        InRange(errors, "alerts.consumer_lag.for_seconds", alerts.ConsumerLag.ForSeconds, 0, 86_400);
        InRange(errors, "alerts.dead_letter.threshold", alerts.DeadLetter.Threshold, 1, int.MaxValue);
        InRange(errors, "alerts.dead_letter.window_seconds", alerts.DeadLetter.WindowSeconds, 1, 86_400);
        InFraction(errors, "alerts.stage_error_rate.threshold", alerts.StageErrorRate.Threshold, 0, 1);
        InRange(errors, "alerts.stage_error_rate.min_messages", alerts.StageErrorRate.MinMessages, 1, int.MaxValue);
        InRange(errors, "alerts.stage_error_rate.window_seconds", alerts.StageErrorRate.WindowSeconds, 1, 86_400);
        InFraction(errors, "alerts.model_regression.r_squared_tolerance", alerts.ModelRegression.RSquaredTolerance, 0, double.MaxValue);
        InFraction(errors, "alerts.drift.threshold", alerts.Drift.Threshold, 0, double.MaxValue);
        InRange(errors, "alerts.broker_unreachable.for_seconds", alerts.BrokerUnreachable.ForSeconds, 0, 86_400);
    }

    private static void InFraction(ConfigurationErrorList errors, string keyPath, double value, double min, double max)
    {
        if (double.IsFinite(value) && value >= min && value <= max)
        {
            return;
        }

        errors.InvalidValue(keyPath, value, max == double.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"must be a number of at least {min}")
            : string.Create(CultureInfo.InvariantCulture, $"must be a number between {min} and {max}"));
    }

    private static void ValidateErrorHandling(ErrorHandlingOptions errorHandling, ConfigurationErrorList errors)
    {
        InRange(errors, "error_handling.max_retries", errorHandling.MaxRetries, 0, 100);
        InRange(errors, "error_handling.retry_delay_seconds", errorHandling.RetryDelaySeconds, 0, 3_600);
        // dead_letter_topic is checked with the other topic names (TopicsOptions.All).
    }

    private static void ValidatePerformance(PerformanceOptions performance, ConfigurationErrorList errors)
    {
        InRange(errors, "performance.producer_threads", performance.ProducerThreads, 1, 64);
        // Bounded like a thread pool: each unit is a concurrent handler plus a partition's worth of fetched records.
        InRange(errors, "performance.consumer_threads", performance.ConsumerThreads, 1, MaxConsumerThreads);
        InRange(errors, "performance.batch_processing_size", performance.BatchProcessingSize, 1, 100_000);
        InRange(errors, "performance.processing_timeout_seconds", performance.ProcessingTimeoutSeconds, 1, MaxPollIntervalSeconds);
    }

    private static void ValidateBroker(BrokerSectionOptions broker, ConfigurationErrorList errors)
    {
        InRange(errors, "broker.port", broker.Port, 0, 65_535);
        if (string.IsNullOrWhiteSpace(broker.Host))
        {
            errors.InvalidValue("broker.host", broker.Host, "is empty; expected an IP address or host name to listen on");
        }

        if (string.IsNullOrWhiteSpace(broker.DataDir))
        {
            errors.InvalidValue("broker.data_dir", broker.DataDir, "is empty; expected a directory path");
        }

        if (InRange(errors, "broker.max_partitions_per_topic", broker.MaxPartitionsPerTopic, 1, 10_000))
        {
            InRange(errors, "broker.partitions", broker.Partitions, 1, broker.MaxPartitionsPerTopic);
        }

        InRange(errors, "broker.max_partitions", broker.MaxPartitions, 1, 1_000_000);
        InRange(errors, "broker.fetch_max_bytes", broker.FetchMaxBytes, 1024, int.MaxValue);
        InRange(errors, "broker.max_connections", broker.MaxConnections, 1, 1_000_000);
        InRange(errors, "broker.max_connections_per_ip", broker.MaxConnectionsPerIp, 1, 1_000_000);
        InRange(errors, "broker.socket_request_max_bytes", broker.SocketRequestMaxBytes, 1024, int.MaxValue);
        InRange(errors, "broker.offsets_retention_minutes", broker.OffsetsRetentionMinutes, 1, int.MaxValue);
        InRange(errors, "broker.producer_id_expiration_ms", broker.ProducerIdExpirationMs, 1, long.MaxValue);
        // Anyone who reaches an unauthenticated broker can read, write and delete every topic: exposing it is a choice.
        if (broker.Mode == BrokerMode.Embedded && !broker.AllowUnauthenticatedRemote && !string.IsNullOrWhiteSpace(broker.Host)
            && !LoopbackHost.IsLoopback(broker.Host))
        {
            errors.InvalidValue("broker.host", broker.Host,
                "can be reached from other machines and the embedded broker has no authentication; use 127.0.0.1, or set broker.allow_unauthenticated_remote: true");
        }
        if (InRange(errors, "broker.replication_factor", broker.ReplicationFactor, 1, short.MaxValue)
            && broker.Mode == BrokerMode.Embedded && broker.ReplicationFactor != 1)
        {
            errors.InvalidValue("broker.replication_factor", broker.ReplicationFactor,
                "is not allowed with broker.mode = embedded; the embedded broker is a single node, so it must be 1");
        }

        if (broker.RetentionMs != -1 && broker.RetentionMs <= 0)
        {
            errors.InvalidValue("broker.retention_ms", broker.RetentionMs, "must be a positive number of milliseconds, or -1 to keep data forever");
        }

        // At least a second: shorter would cut off clients between ordinary requests (librdkafka's metadata refresh).
        if (broker.ConnectionsMaxIdleMs != -1 && broker.ConnectionsMaxIdleMs < 1_000)
        {
            errors.InvalidValue("broker.connections_max_idle_ms", broker.ConnectionsMaxIdleMs,
                "must be at least 1000 milliseconds, or -1 to never close idle connections");
        }

        // Also socket.connection.setup.timeout.ms (>= 1000) and the admin socket.timeout.ms (<= 300000).
        InRange(errors, "broker.startup_timeout_seconds", broker.StartupTimeoutSeconds, 1, 300);
    }

    private static bool InRange(ConfigurationErrorList errors, string keyPath, long value, long min, long max)
    {
        if (value >= min && value <= max)
        {
            return true;
        }

        var allowed = max is int.MaxValue or long.MaxValue or short.MaxValue
            ? $"must be at least {min}"
            : $"must be between {min} and {max}";
        errors.InvalidValue(keyPath, value, allowed);
        return false;
    }

    private static void FileExists(ConfigurationErrorList errors, string keyPath, string? path)
    {
        if (!string.IsNullOrEmpty(path) && !File.Exists(path))
        {
            errors.InvalidValue(keyPath, path, $"does not exist (looked for {Path.GetFullPath(path)}); expected a readable PEM file");
        }
    }

    private static bool IsHostAndPort(string server)
    {
        var colon = server.LastIndexOf(':');
        return colon > 0
            && int.TryParse(server.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65_535;
    }

    private static bool IsValidTopicName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxKafkaTopicNameLength && name is not ("." or "..")
        && TopicNamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex TopicNamePattern();
}

namespace MlPipeline.Host.Cli;

/// <summary>Exit codes of every verb, so scripts can tell "try again later" from "fix your command".</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The operation failed: broker unreachable, topic missing, creation refused, round trip lost.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments or an unusable configuration file: retrying will not help.</summary>
    public const int Usage = 2;

    /// <summary><c>health</c> only: the broker answers, but configured topics are missing or lag is unreadable.</summary>
    public const int Degraded = 3;
}

namespace MlPipeline.Core.Configuration;

/// <summary>
/// The configuration cannot be used. Each entry of <see cref="Errors"/> is one self-contained line naming the file,
/// the key path, the bad value and what is allowed; <see cref="Exception.Message"/> is those lines joined by newlines,
/// so start-up can print it as is.
/// </summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(IReadOnlyList<string> errors)
        : base(string.Join('\n', errors))
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        Errors = errors;
    }

    public ConfigurationException(string error)
        : this([error])
    {
    }

    public IReadOnlyList<string> Errors { get; }
}

using System.Security.Cryptography;

namespace MlPipeline.Core.Security;

/// <summary>Makes new API keys: 32 random bytes (256 bits) from the OS generator, URL-safe base64, with a prefix
/// that makes a leaked key easy to recognise in a scanner.</summary>
public static class ApiKeyGenerator
{
    public const string Prefix = "mlp_";

    /// <summary>Keys shorter than this are refused from the environment: a short key can be guessed.</summary>
    public const int MinimumKeyLength = 16;

    public static string NewKey() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

using System.Security.Cryptography;
using System.Text;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Security;

/// <summary>Who a key belongs to: its configured name (what logs and history show) and its role.</summary>
public sealed record ApiKeyIdentity(string Name, string Role);

/// <summary>
/// The API keys this host accepts, held only as SHA-256 digests: from <c>auth.api_keys</c> (already digests) and
/// from <c>MLPIPELINE_API_KEYS</c> (<c>role:key,role:key</c>, hashed on load so the plain key is not kept).
/// Immutable once built; shared by every request.
/// </summary>
public sealed class ApiKeyRing
{
    /// <summary>Environment variable adding keys for containers and services: <c>role:key,role:key</c>.</summary>
    public const string EnvironmentVariable = "MLPIPELINE_API_KEYS";

    // Lower-case hex digest => identity. Looking up a digest leaks nothing useful about the key through timing.
    private readonly Dictionary<string, ApiKeyIdentity> _byDigest;

    private ApiKeyRing(Dictionary<string, ApiKeyIdentity> byDigest) => _byDigest = byDigest;

    /// <summary>True when at least one key is configured: every API call then needs one.</summary>
    public bool HasKeys => _byDigest.Count > 0;

    public int Count => _byDigest.Count;

    /// <summary>
    /// The keys of <paramref name="auth"/> (validated by <see cref="PipelineConfigValidator"/>) plus those of
    /// <see cref="EnvironmentVariable"/>. Throws <see cref="ConfigurationException"/> naming the bad entry — by position,
    /// never by its key — when the variable is malformed.
    /// </summary>
    public static ApiKeyRing Load(AuthOptions auth, IReadOnlyDictionary<string, string?> environment, string source)
    {
        var byDigest = new Dictionary<string, ApiKeyIdentity>(StringComparer.Ordinal);
        foreach (var entry in auth.ApiKeys)
        {
            byDigest[entry.Sha256.ToLowerInvariant()] = new ApiKeyIdentity(entry.Name, entry.Role);
        }

        var errors = new ConfigurationErrorList(source);
        if (environment.TryGetValue(EnvironmentVariable, out var text) && !string.IsNullOrWhiteSpace(text))
        {
            var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < items.Length; i++)
            {
                var colon = items[i].IndexOf(':');
                var role = colon > 0 ? items[i][..colon] : "";
                var key = colon > 0 ? items[i][(colon + 1)..] : "";
                var where = $"{EnvironmentVariable} entry {i + 1}";
                if (!ApiRoles.IsKnown(role))
                {
                    errors.InvalidSecret(where, $"must be 'predict:KEY' or 'admin:KEY' (role:key, comma-separated)");
                }
                else if (key.Length < ApiKeyGenerator.MinimumKeyLength)
                {
                    errors.InvalidSecret(where, $"has a key shorter than {ApiKeyGenerator.MinimumKeyLength} characters; make one with 'MlPipeline.Host keys create NAME'");
                }
                else
                {
                    byDigest[Digest(key)] = new ApiKeyIdentity($"env-{i + 1}", role);
                }
            }
        }

        errors.ThrowIfAny();
        return new ApiKeyRing(byDigest);
    }

    /// <summary>The identity holding <paramref name="key"/>, or null when no configured key matches.</summary>
    public ApiKeyIdentity? Find(string key) =>
        key.Length == 0 ? null : _byDigest.GetValueOrDefault(Digest(key));

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes: what <c>auth.api_keys[].sha256</c> holds.</summary>
    public static string Digest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

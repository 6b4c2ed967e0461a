using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Security;
using MlPipeline.Host.Security;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Registers who may call the API and how often: the API key authentication scheme, one authorization policy and one
/// rate limit budget per <see cref="ApiAccess"/> level. With no key configured the policies let everyone through
/// (start-up allows that only on loopback or with <c>auth.allow_anonymous</c>); the budgets still apply, per client
/// address.
/// </summary>
internal static class ApiSecurityRegistration
{
    public static IServiceCollection AddApiSecurity(this IServiceCollection services, PipelineConfig config, ApiKeyRing keys)
    {
        services.AddSingleton(keys);
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiAccess.Predict, policy => Require(policy, keys, ApiRoles.Predict, ApiRoles.Admin))
            .AddPolicy(ApiAccess.Admin, policy => Require(policy, keys, ApiRoles.Admin));

        var limits = config.RateLimits;
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(ApiAccess.Predict, context => Partition(context, limits.Enabled, new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.PredictBurst,
                TokensPerPeriod = limits.PredictPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            }));
            options.AddPolicy(ApiAccess.Admin, context => Partition(context, limits.Enabled, new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.AdminPerMinute,
                TokensPerPeriod = limits.AdminPerMinute,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
            options.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>Authentication first (so a budget belongs to the key), then the budgets (so failed keys are counted per
    /// address too), then authorization.</summary>
    public static WebApplication UseApiSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    private static void Require(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy, ApiKeyRing keys, params string[] roles)
    {
        if (keys.HasKeys)
        {
            policy.RequireAuthenticatedUser().RequireRole(roles);
        }
        else
        {
            // No key configured: the API is open by the operator's choice (loopback, or auth.allow_anonymous).
            policy.RequireAssertion(_ => true);
        }
    }

    // One bucket per key name when authenticated, per client address otherwise.
    private static RateLimitPartition<string> Partition(HttpContext context, bool enabled, TokenBucketRateLimiterOptions options)
    {
        var caller = context.User.Identity is { IsAuthenticated: true, Name: { } name }
            ? "key:" + name
            : "address:" + context.Connection.RemoteIpAddress;
        return enabled
            ? RateLimitPartition.GetTokenBucketLimiter(caller, _ => options)
            : RateLimitPartition.GetNoLimiter(caller);
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var caller = context.User.FindFirstValue(ClaimTypes.Name) is { } name ? $"key '{name}'" : "this client address";
        await TypedResults.Problem(
                title: "Too many requests",
                detail: $"The request budget of {caller} is used up; retry after {seconds} s (rate_limits in the configuration).",
                statusCode: StatusCodes.Status429TooManyRequests)
            .ExecuteAsync(context);
    }
}

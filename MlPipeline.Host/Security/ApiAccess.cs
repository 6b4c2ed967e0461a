namespace MlPipeline.Host.Security;

/// <summary>
/// What a group of endpoints requires: one call per group in each <c>Map…Api</c>,
/// <c>group.RequireApiRole(ApiAccess.Predict)</c>, applies both the authorization policy of that role and the rate
/// limit budget of the same name (see <see cref="Hosting.ApiSecurityRegistration"/>).
/// </summary>
internal static class ApiAccess
{
    /// <summary>Predict and read: predictions, results, models, status, metrics. A <c>predict</c> or <c>admin</c> key.</summary>
    public const string Predict = "predict";

    /// <summary>Change: ingest, upload, train, promote. An <c>admin</c> key; the admin rate limit budget.</summary>
    public const string Admin = "admin";

    public static TBuilder RequireApiRole<TBuilder>(this TBuilder builder, string access)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(access).RequireRateLimiting(access);
}

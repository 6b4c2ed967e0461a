using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using MlPipeline.Core.Security;

namespace MlPipeline.Host.Security;

/// <summary>
/// ASP.NET Core authentication scheme for API keys, sent as <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>.
/// A matching key becomes a principal named after the key's configured name with the key's role; the key itself is
/// never logged or kept. Challenges (no or wrong key) answer 401 and forbids (wrong role) 403, each with a
/// problem+json body that says what to send.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyRing keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(key) is not { } identity)
        {
            return Task.FromResult(AuthenticateResult.Fail("the API key is not one this service accepts"));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, identity.Name), new Claim(ClaimTypes.Role, identity.Role)], SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = result.Failure is null
            ? $"This call needs an API key: send 'Authorization: Bearer KEY' or '{HeaderName}: KEY'."
            : $"The API key sent is not one this service accepts; send a key listed under auth.api_keys or {ApiKeyRing.EnvironmentVariable}.";
        await TypedResults.Problem(title: "Authentication required", detail: detail, statusCode: StatusCodes.Status401Unauthorized)
            .ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var needed = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).LastOrDefault(p => p is not null);
        var role = Context.User.FindFirstValue(ClaimTypes.Role);
        await TypedResults.Problem(
                title: "Not allowed for this key",
                detail: $"The key '{Context.User.Identity?.Name}' has role '{role}'; this call needs role '{needed ?? ApiRoles.Admin}'.",
                statusCode: StatusCodes.Status403Forbidden)
            .ExecuteAsync(Context);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers[HeaderName].ToString() is { Length: > 0 } header)
        {
            return header.Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7
            ? authorization[7..].Trim()
            : null;
    }
}

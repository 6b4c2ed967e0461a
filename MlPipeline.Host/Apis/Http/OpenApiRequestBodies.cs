using Microsoft.OpenApi;

namespace MlPipeline.Host.Apis.Http;

/// <summary>OpenAPI documentation for endpoints that read their JSON body by hand (<see cref="JsonRequestBody"/>).</summary>
internal static class OpenApiRequestBodies
{
    /// <summary>
    /// Documents a JSON request body without <c>Accepts</c>: that metadata would make routing answer a wrong content type
    /// with a bare 415 before the handler can explain it.
    /// </summary>
    public static RouteHandlerBuilder WithJsonRequestBody<TBody>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}

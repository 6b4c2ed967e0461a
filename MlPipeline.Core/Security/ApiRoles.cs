namespace MlPipeline.Core.Security;

/// <summary>
/// The two roles an API key can hold. <see cref="Predict"/> may predict and read (models, status, results);
/// <see cref="Admin"/> may do everything, including ingest, upload, train and promote.
/// </summary>
public static class ApiRoles
{
    public const string Predict = "predict";

    public const string Admin = "admin";

    public static bool IsKnown(string? role) => role is Predict or Admin;
}

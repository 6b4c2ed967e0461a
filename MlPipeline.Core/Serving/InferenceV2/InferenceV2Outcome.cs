using System.Text.Json.Nodes;

namespace MlPipeline.Core.Serving.InferenceV2;

/// <summary>How an Open Inference Protocol call failed; the HTTP layer maps each to its status code.</summary>
public enum InferenceV2ErrorKind
{
    /// <summary>The request is malformed or its inputs do not fit the model (400).</summary>
    BadRequest,

    /// <summary>No such model or version is served here (404).</summary>
    NotFound,

    /// <summary>The inputs fit the model but it could not score them (422).</summary>
    ScoringFailed,
}

/// <summary>A response body, or an error kind with the message the protocol's <c>{"error": "..."}</c> body carries.</summary>
public sealed record InferenceV2Outcome(JsonObject? Body, InferenceV2ErrorKind? Error, string? Message)
{
    public static InferenceV2Outcome Success(JsonObject body) => new(body, null, null);

    public static InferenceV2Outcome Failure(InferenceV2ErrorKind kind, string message) => new(null, kind, message);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grey.Federation;
using Grey.Federation.Identifiers;
using Grey.Federation.State;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Quarantine;
using Grey.Region.Registry;
using Grey.Region.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Grey.Region.Daemon.Api;

/// <summary>
/// The region's HTTP API. Mutations need <c>Authorization: Bearer &lt;admin token&gt;</c> or, over HTTPS with
/// <c>--api-client-ca</c>, a client certificate chaining to that CA; reads too except under <c>--dev</c>; neither is 401. Errors are JSON <c>{"error": code, "message": text}</c> with a 4xx.
/// </summary>
internal sealed class RegionApi(RegionDaemon daemon)
{
    /// <summary>Largest request body accepted: the API takes no bodies, so anything beyond a few bytes is refused.</summary>
    public const long MaxRequestBodyBytes = 4096;

    /// <summary>The JSON naming of every response.</summary>
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    private readonly byte[]? _token = daemon.Options.AdminToken is { } t ? Encoding.UTF8.GetBytes(t) : null;
    private readonly Grey.Region.Daemon.Desired.DesiredApi _desired = new(daemon);

    /// <summary>Maps every route.</summary>
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Health);
        app.MapGet("/metrics", (HttpContext c) => Guarded(c, false, () => Results.Text(MetricsText.Render(daemon), "text/plain; version=0.0.4")));
        app.MapGet("/v1/sites", (HttpContext c) => Guarded(c, false, () => Results.Json(daemon.Host.Read(core => core.GetSites()).Select(s => QuotaJson.Add(SiteJson(s), daemon.Host.QuotaStatus(s.Site))).ToList(), Json)));
        app.MapGet("/v1/sites/{site}", (HttpContext c, string site) => Guarded(c, false, () => GetSite(site)));
        app.MapGet("/v1/sites/{site}/state/{**key}", (HttpContext c, string site, string? key) => Guarded(c, false, () => GetSiteValue(site, key)));
        app.MapGet("/v1/sites/{site}/desired", (HttpContext c, string site) => Guarded(c, false, () => _desired.List(site)));
        app.MapPut("/v1/sites/{site}/desired/{**key}", (HttpContext c, string site, string? key) => GuardedAsync(c, true, () => _desired.PutAsync(c, site, key)));
        app.MapDelete("/v1/sites/{site}/desired/{**key}", (HttpContext c, string site, string? key) => Guarded(c, true, () => _desired.Delete(site, key)));
        app.MapGet("/v1/shared/{**key}", (HttpContext c, string? key) => Guarded(c, false, () => GetShared(key)));
        app.MapGet("/v1/nodes", (HttpContext c) => Guarded(c, false, () => Results.Json(daemon.Host.Read(core => core.Registry.Nodes()).Select(NodeJson).ToList(), Json)));
        app.MapPost("/v1/nodes/{node}/revoke", (HttpContext c, string node) => GuardedAsync(c, true, () => RevokeAsync(node, c.RequestAborted)));
        app.MapGet("/v1/quarantine", (HttpContext c) => Guarded(c, false, () => Results.Json(daemon.Host.Read(core => core.Quarantine.List()).Select(QuarantineJson).ToList(), Json)));
        app.MapFallback((HttpContext c) => Error(StatusCodes.Status404NotFound, "not-found", $"no route {c.Request.Method} {c.Request.Path}"));
    }

    /// <summary>A JSON error.</summary>
    public static IResult Error(int status, string code, string message) =>
        Results.Json(new Dictionary<string, string> { ["error"] = code, ["message"] = message }, Json, statusCode: status);

    private IResult Health()
    {
        if (daemon.Completion.IsCompleted)
        {
            return Results.Json(new Dictionary<string, string> { ["status"] = "stopped" }, Json, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Json(new Dictionary<string, object> { ["status"] = "ok", ["region"] = daemon.Options.Region }, Json);
    }

    private IResult Guarded(HttpContext context, bool mutation, Func<IResult> handler) =>
        Authorized(context, mutation) ?? handler();

    private async Task<IResult> GuardedAsync(HttpContext context, bool mutation, Func<Task<IResult>> handler) =>
        Authorized(context, mutation) ?? await handler().ConfigureAwait(false);

    private IResult? Authorized(HttpContext context, bool mutation)
    {
        if (!mutation && daemon.Options.Dev)
        {
            return null;
        }

        // A client certificate the TLS handshake carried is checked first: with one from the configured CA no token
        // is needed. Any other certificate (or none) leaves the decision to the token.
        if (daemon.ApiTls is { ClientCertificates: true } tls && tls.IsAdmin(context.Connection.ClientCertificate, daemon.Time.GetUtcNow()))
        {
            return null;
        }

        string? header = context.Request.Headers.Authorization.Count == 1 ? context.Request.Headers.Authorization[0] : null;
        const string Prefix = "Bearer ";
        if (_token is null || header is null || !header.StartsWith(Prefix, StringComparison.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Error(StatusCodes.Status401Unauthorized, "unauthorized", _token is not null ? "an admin bearer token (or an admin client certificate) is required"
                : daemon.ApiTls is { ClientCertificates: true } ? "an admin client certificate is required" : "this region has no admin token configured");
        }

        byte[] given = Encoding.UTF8.GetBytes(header[Prefix.Length..]);
        if (!CryptographicOperations.FixedTimeEquals(given, _token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Error(StatusCodes.Status401Unauthorized, "unauthorized", "the bearer token is wrong");
        }

        return null;
    }

    private IResult GetSite(string site)
    {
        if (!FederationId.IsValid(site))
        {
            return Error(StatusCodes.Status400BadRequest, "bad-site", $"'{site}' is not a site id");
        }

        if (QuotaJson.OtherShard(daemon.Options.Shard, site) is { } misdirected)
        {
            return misdirected;
        }

        SiteStatus? status = daemon.Host.Read(core => core.GetSiteStatus(site));
        return status is null ? Error(StatusCodes.Status404NotFound, "site-unknown", $"site {site} is unknown to this region") : Results.Json(QuotaJson.Add(SiteJson(status), daemon.Host.QuotaStatus(site)), Json);
    }

    private IResult GetSiteValue(string site, string? key)
    {
        if (!FederationId.IsValid(site))
        {
            return Error(StatusCodes.Status400BadRequest, "bad-site", $"'{site}' is not a site id");
        }

        if (string.IsNullOrEmpty(key) || Encoding.UTF8.GetByteCount(key) > FederationLimits.MaxKeyBytes)
        {
            return Error(StatusCodes.Status400BadRequest, "bad-key", $"the key must be 1..{FederationLimits.MaxKeyBytes} bytes");
        }

        if (KeyNames.IsShared(key))
        {
            return Error(StatusCodes.Status400BadRequest, "bad-key", $"shared keys are read at /v1/shared/{key[KeyNames.SharedPrefix.Length..]}");
        }

        return QuotaJson.OtherShard(daemon.Options.Shard, site) ?? Value(site, key);
    }

    private IResult GetShared(string? key)
    {
        if (string.IsNullOrEmpty(key) || Encoding.UTF8.GetByteCount(KeyNames.SharedPrefix + key) > FederationLimits.MaxKeyBytes)
        {
            return Error(StatusCodes.Status400BadRequest, "bad-key", $"the key must be 1..{FederationLimits.MaxKeyBytes - KeyNames.SharedPrefix.Length} bytes");
        }

        return Value(KeyNames.SharedScope, KeyNames.SharedPrefix + key);
    }

    /// <summary>
    /// A register's raw bytes (application/octet-stream), else a counter's value as decimal text, else a set's
    /// elements as a JSON array; 404 when the key holds none of them (a deleted register, a zero counter, an empty set).
    /// </summary>
    private IResult Value(string scope, string key)
    {
        (byte[]? bytes, long counter, IReadOnlyList<string> set) = daemon.Host.Read(core =>
        {
            RegionState state = core.State;
            byte[]? b = state.TryGetRegister(scope, key, out Register r) && !r.IsTombstone ? r.Value.ToArray() : null;
            return (b, state.GetCounterValue(scope, key), state.GetSetElements(scope, key));
        });
        if (bytes is not null)
        {
            return Results.Bytes(bytes, "application/octet-stream");
        }

        if (counter != 0)
        {
            return Results.Text(counter.ToString(CultureInfo.InvariantCulture), "text/plain");
        }

        if (set.Count > 0)
        {
            return Results.Json(set, Json);
        }

        return Error(StatusCodes.Status404NotFound, "key-absent", $"no value at {(scope.Length == 0 ? key : scope + ":" + key)}");
    }

    private async Task<IResult> RevokeAsync(string node, CancellationToken cancellationToken)
    {
        if (!FederationId.IsValid(node))
        {
            return Error(StatusCodes.Status400BadRequest, "bad-node", $"'{node}' is not a node id");
        }

        (NodeView? view, ulong sequence, bool published) = await daemon.RevokeAsync(node, cancellationToken).ConfigureAwait(false);
        if (view is null)
        {
            return Error(StatusCodes.Status404NotFound, "node-unknown", $"node {node} is not enrolled");
        }

        return Results.Json(new Dictionary<string, object> { ["node"] = view.NodeId, ["site"] = view.Site, ["revoked"] = view.Revoked, ["notice_sequence"] = sequence, ["notice_published"] = published }, Json);
    }

    private static Dictionary<string, object?> SiteJson(SiteStatus s) => new()
    {
        ["site"] = s.Site,
        ["epoch"] = s.Epoch,
        ["merged_index"] = s.MergedIndex,
        ["reported_committed_index"] = s.ReportedCommittedIndex,
        ["lag"] = s.Lag,
        ["last_seen"] = s.LastSeen,
        ["attestation"] = s.Nodes.Select(NodeJson).ToList(),
    };

    private static Dictionary<string, object?> NodeJson(NodeView n) => new()
    {
        ["node"] = n.NodeId,
        ["site"] = n.Site,
        ["key_id"] = n.KeyId,
        ["attestation"] = n.Attestation switch { NodeAttestation.Passing => "passing", NodeAttestation.Expired => "expired", _ => "none" },
        ["expires_at"] = n.AttestationExpiresAt,
        ["revoked"] = n.Revoked,
    };

    private static Dictionary<string, object?> QuarantineJson(QuarantineItem q) => new()
    {
        ["id"] = q.Id,
        ["reason"] = Grey.Region.Ingest.RejectReasonCodes.ToCode(q.Reason),
        ["detail"] = q.Detail,
        ["site"] = q.Site,
        ["received_at"] = q.ReceivedAt,
        ["size"] = q.Bytes.Length,
        ["truncated"] = q.Truncated,
        ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(q.Bytes)),
    };
}

using System.Text;
using Grey.Federation;
using Grey.Federation.Identifiers;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Api;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Desired;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Grey.Region.Daemon.Desired;

/// <summary>
/// The desired-state routes of the region API (mapped, behind its authorization, by <see cref="RegionApi"/>):
/// <c>PUT</c> and <c>DELETE /v1/sites/{site}/desired/{**key}</c> issue a change (202 once it is durable), and
/// <c>GET /v1/sites/{site}/desired</c> lists the changes issued for a site. Errors are the API's JSON errors.
/// </summary>
internal sealed class DesiredApi(RegionDaemon daemon)
{
    /// <summary>Largest key after <c>desired/</c> (the stored key is at most <see cref="FederationLimits.MaxKeyBytes"/>).</summary>
    public const int MaxKeySuffixBytes = FederationLimits.MaxKeyBytes - 8;

    /// <summary><c>PUT</c>: the raw body is the value of <c>desired/&lt;key&gt;</c>.</summary>
    public async Task<IResult> PutAsync(HttpContext context, string site, string? key)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Check(site, key) is { } bad)
        {
            return bad;
        }

        if (context.Request.ContentLength > FederationLimits.MaxValueBytes)
        {
            return TooLarge(context.Request.ContentLength.Value);
        }

        // The API's own body limit is for bodiless routes; this one takes a value, up to one byte beyond the limit so
        // that an over-long body without a Content-Length is seen and refused.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = FederationLimits.MaxValueBytes + 1;
        }

        byte[] value;
        try
        {
            value = await ReadBodyAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(null);
        }

        if (value.Length > FederationLimits.MaxValueBytes)
        {
            return TooLarge(value.Length);
        }

        return Issue(site, key!, value);
    }

    /// <summary><c>DELETE</c>: issues the delete of <c>desired/&lt;key&gt;</c>.</summary>
    public IResult Delete(string site, string? key) => Check(site, key) ?? Issue(site, key!, null);

    /// <summary><c>GET</c>: the changes issued for a site, in sequence order.</summary>
    public IResult List(string site)
    {
        if (!FederationId.IsValid(site))
        {
            return RegionApi.Error(StatusCodes.Status400BadRequest, "bad-site", $"'{site}' is not a site id");
        }

        IReadOnlyList<IssuedChange> changes = daemon.Desired.List(site);
        if (changes.Count == 0 && !SiteKnown(site))
        {
            return UnknownSite(site);
        }

        var body = new Dictionary<string, object>
        {
            ["site"] = site,
            ["applied"] = daemon.Desired.AppliedOf(site),
            ["pending"] = daemon.Desired.PendingOf(site),
            ["changes"] = changes.Select(c => new Dictionary<string, object>
            {
                ["sequence"] = c.Change.Sequence,
                ["key"] = c.Change.Key,
                ["kind"] = c.Change.Kind == Grey.Federation.Operations.OperationKind.Put ? "put" : "delete",
                ["digest"] = Convert.ToHexStringLower(c.Change.Digest),
                ["applied"] = c.Applied,
            }).ToList(),
        };
        return Results.Json(body, RegionApi.Json);
    }

    private static IResult TooLarge(long? length) => RegionApi.Error(StatusCodes.Status413PayloadTooLarge, "value-too-large",
        length is { } n ? $"the value is {n} bytes, at most {FederationLimits.MaxValueBytes} are accepted" : $"the value is over {FederationLimits.MaxValueBytes} bytes");

    private static IResult UnknownSite(string site) => RegionApi.Error(StatusCodes.Status404NotFound, "site-unknown",
        $"site {site} has no node enrolled in this region (a typo, or a site of another region?)");

    private static async Task<byte[]> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > FederationLimits.MaxValueBytes)
            {
                break;
            }
        }

        return buffer.ToArray();
    }

    private IResult? Check(string site, string? key)
    {
        if (!FederationId.IsValid(site))
        {
            return RegionApi.Error(StatusCodes.Status400BadRequest, "bad-site", $"'{site}' is not a site id");
        }

        if (string.IsNullOrEmpty(key) || !KeyNames.IsValid(KeyNames.DesiredPrefix + key) || Encoding.UTF8.GetByteCount(key) > MaxKeySuffixBytes)
        {
            return RegionApi.Error(StatusCodes.Status400BadRequest, "bad-key",
                $"the key after desired/ must be 1..{MaxKeySuffixBytes} printable ASCII characters without spaces");
        }

        return SiteKnown(site) ? null : UnknownSite(site);
    }

    /// <summary>Whether a node of the site is enrolled here (the region only issues changes for sites it has seen).</summary>
    private bool SiteKnown(string site) => daemon.Host.Read(core => core.Registry.Nodes().Any(n => n.Site == site));

    private IResult Issue(string site, string key, byte[]? value)
    {
        DesiredIssueResult result;
        try
        {
            result = daemon.Desired.Issue(site, KeyNames.DesiredPrefix + key, value);
        }
        catch (IOException e)
        {
            return RegionApi.Error(StatusCodes.Status503ServiceUnavailable, "journal-failed", $"the change could not be made durable: {e.Message}");
        }

        return result.Status switch
        {
            DesiredIssueStatus.Issued => Results.Json(Answer(result.Change!), RegionApi.Json, statusCode: StatusCodes.Status202Accepted),
            DesiredIssueStatus.Full => RegionApi.Error(StatusCodes.Status507InsufficientStorage, "desired-full", result.Detail),
            _ => RegionApi.Error(StatusCodes.Status503ServiceUnavailable, "journal-failed", result.Detail),
        };
    }

    private static Dictionary<string, object> Answer(DesiredChange change) => new()
    {
        ["site"] = change.Site,
        ["key"] = change.Key,
        ["sequence"] = change.Sequence,
        ["kind"] = change.Kind == Grey.Federation.Operations.OperationKind.Put ? "put" : "delete",
        ["digest"] = Convert.ToHexStringLower(change.Digest),
    };
}

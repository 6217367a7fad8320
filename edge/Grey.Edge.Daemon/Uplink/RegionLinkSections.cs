using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// Adds the region link to the API's answers without touching the API itself: the <c>uplink</c> section is
/// spliced into GET /v1/status's JSON object and the outbox, uplink and attestation metrics are appended to
/// GET /metrics. Registered only with <c>--region</c>; the view is set once the link has started (until then
/// the answers are the plain ones).
/// </summary>
internal static class RegionLinkSections
{
    /// <summary>Largest API answer buffered for the splice (a status or metrics body is a few KiB).</summary>
    public const int MaxBufferedBytes = 1024 * 1024;

    /// <summary>Registers the middleware; <paramref name="view"/> returns null until the link is up.</summary>
    public static void Use(WebApplication app, Func<IRegionLinkView?> view)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(view);
        app.Use(async (HttpContext ctx, RequestDelegate next) =>
        {
            var isMetrics = HttpMethods.IsGet(ctx.Request.Method) && ctx.Request.Path.Equals("/metrics", StringComparison.Ordinal);
            var isStatus = HttpMethods.IsGet(ctx.Request.Method) && ctx.Request.Path.Equals("/v1/status", StringComparison.Ordinal);
            var link = isMetrics || isStatus ? view() : null;
            if (link is null)
            {
                await next(ctx).ConfigureAwait(false);
                return;
            }

            var original = ctx.Response.Body;
            using var buffer = new MemoryStream();
            ctx.Response.Body = buffer;
            try
            {
                await next(ctx).ConfigureAwait(false);
            }
            finally
            {
                ctx.Response.Body = original;
            }

            var body = buffer.ToArray();
            if (ctx.Response.StatusCode == StatusCodes.Status200OK && body.Length < MaxBufferedBytes)
            {
                body = isMetrics ? AppendMetrics(body, link) : SpliceStatus(body, link);
            }

            ctx.Response.ContentLength = body.Length;
            await original.WriteAsync(body, ctx.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>Appends the link's metrics to a Prometheus text body.</summary>
    public static byte[] AppendMetrics(byte[] body, IRegionLinkView link)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(link);
        var sb = new StringBuilder(Encoding.UTF8.GetString(body));
        link.AppendMetrics(sb);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Inserts <c>"uplink": {...}</c> as the last member of a JSON object body; anything else is returned as it was.</summary>
    public static byte[] SpliceStatus(byte[] body, IRegionLinkView link)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(link);
        var end = body.Length - 1;
        while (end >= 0 && body[end] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            end--;
        }

        if (end < 1 || body[end] != (byte)'}' || body[0] != (byte)'{')
        {
            return body;
        }

        var section = JsonSerializer.SerializeToUtf8Bytes(link.Status(), UplinkJson.Default.UplinkStatus);
        var empty = body.AsSpan(1, end - 1).Trim(" \n\r\t"u8).IsEmpty;
        using var result = new MemoryStream(body.Length + section.Length + 16);
        result.Write(body, 0, end);
        result.Write(empty ? "\"uplink\":"u8 : ",\"uplink\":"u8);
        result.Write(section);
        result.Write(body, end, body.Length - end);
        return result.ToArray();
    }
}

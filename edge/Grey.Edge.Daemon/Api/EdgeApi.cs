using System.Globalization;
using System.Text;
using System.Text.Json;
using Grey.Edge.Daemon.Hosting;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Grey.Federation.Identifiers;
using Grey.Raft;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Grey.Edge.Daemon.Api;

/// <summary>
/// The local HTTP API of a node. Handlers are plain <see cref="RequestDelegate"/>s (no reflection-based binding)
/// and bodies use the source-generated <see cref="ApiJson"/> context, so the daemon publishes as NativeAOT.
/// Every failure is a JSON <see cref="ApiError"/> with a 4xx or 503 status.
/// </summary>
internal sealed partial class EdgeApi(EdgeNode node, HttpClient client, ApiPort? port = null)
{
    /// <summary>Maps every route onto <paramref name="routes"/>.</summary>
    public void Map(IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPut("/v1/kv/{**key}", PutKv);
        routes.MapGet("/v1/kv/{**key}", GetKv);
        routes.MapDelete("/v1/kv/{**key}", DeleteKv);
        routes.MapGet("/v1/kv", ListKv);
        routes.MapPost("/v1/counters/{**key}", AddCounter);
        routes.MapGet("/v1/counters/{**key}", GetCounter);
        routes.MapPost("/v1/sets/{**key}", ChangeSet);
        routes.MapGet("/v1/sets/{**key}", GetSet);
        routes.MapGet("/v1/status", Status);
        routes.MapGet("/healthz", Health);
        routes.MapGet("/metrics", Metrics);
        routes.MapPost("/v1/members/{id}/learner", AddLearner);
        routes.MapPost("/v1/members/{id}/promote", Promote);
        routes.MapDelete("/v1/members/{id}", RemoveMember);
        routes.MapPost("/v1/leader/transfer", Transfer);
        routes.MapPost(ForwardPath, ForwardedPropose);
        routes.MapPost(ForwardBatchPath, ForwardedBatch);
    }

    /// <summary>The internal route a follower forwards writes to (the leader stamps and proposes them).</summary>
    public const string ForwardPath = "/internal/v1/propose";

    /// <summary>The internal route a follower forwards batches of writes to (<see cref="ForwardBatchCodec"/>).</summary>
    public const string ForwardBatchPath = "/internal/v1/propose-batch";

    private async Task PutKv(HttpContext ctx)
    {
        if (!TryKey(ctx, out var key, out var keyError))
        {
            await keyError.ConfigureAwait(false);
            return;
        }

        if (!TryCondition(ctx, out var condition, out var expected, out var conditionError))
        {
            await Error(ctx, 400, conditionError, "bad_precondition").ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(ctx, ApiLimits.MaxValueBytes).ConfigureAwait(false);
        if (body is null)
        {
            await Error(ctx, 413, $"value larger than {ApiLimits.MaxValueBytes} bytes", "value_too_large").ConfigureAwait(false);
            return;
        }

        await WriteAsync(ctx, new Command { Kind = CommandKind.Put, Key = key, Value = body, Condition = condition, ExpectedRevision = expected }).ConfigureAwait(false);
    }

    private async Task DeleteKv(HttpContext ctx)
    {
        if (!TryKey(ctx, out var key, out var keyError))
        {
            await keyError.ConfigureAwait(false);
            return;
        }

        if (!TryCondition(ctx, out var condition, out var expected, out var conditionError))
        {
            await Error(ctx, 400, conditionError, "bad_precondition").ConfigureAwait(false);
            return;
        }

        await WriteAsync(ctx, new Command { Kind = CommandKind.Delete, Key = key, Condition = condition, ExpectedRevision = expected }).ConfigureAwait(false);
    }

    private async Task GetKv(HttpContext ctx)
    {
        if (!TryKey(ctx, out var key, out var keyError))
        {
            await keyError.ConfigureAwait(false);
            return;
        }

        if (!await ReadyToReadAsync(ctx).ConfigureAwait(false))
        {
            return;
        }

        var (value, revision, type) = node.Query(m => m.Find(key) is { } r ? (r.Value, r.Revision, r.Type) : (null, 0UL, KeyType.Value));
        if (value is null && revision == 0)
        {
            await Error(ctx, 404, $"key '{key}' not found", "not_found").ConfigureAwait(false);
            return;
        }

        if (type != KeyType.Value)
        {
            await Error(ctx, 409, $"key '{key}' holds a {type.ToString().ToLowerInvariant()}, not a value", "wrong_type", revision).ConfigureAwait(false);
            return;
        }

        ctx.Response.Headers.ETag = ETag(revision);
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.ContentLength = value!.Length;
        await ctx.Response.Body.WriteAsync(value, ctx.RequestAborted).ConfigureAwait(false);
    }

    private async Task ListKv(HttpContext ctx)
    {
        var prefix = ctx.Request.Query["prefix"].ToString();
        var limit = ApiLimits.DefaultListLimit;
        if (ctx.Request.Query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > ApiLimits.MaxListLimit))
        {
            await Error(ctx, 400, $"limit must be 1 to {ApiLimits.MaxListLimit}", "bad_limit").ConfigureAwait(false);
            return;
        }

        if (prefix.Length > ApiLimits.MaxKeyBytes)
        {
            await Error(ctx, 400, $"prefix longer than {ApiLimits.MaxKeyBytes}", "bad_key").ConfigureAwait(false);
            return;
        }

        if (!await ReadyToReadAsync(ctx).ConfigureAwait(false))
        {
            return;
        }

        var items = node.Query(m => m.List(prefix, limit + 1).Select(x => new KvListItem(
            x.Key,
            x.Record.Type.ToString().ToLowerInvariant(),
            x.Record.Revision,
            x.Record.Type == KeyType.Value ? Convert.ToBase64String(x.Record.Value) : null,
            x.Record.Type == KeyType.Counter ? x.Record.Counter : null,
            x.Record.Type == KeyType.Set ? [.. x.Record.Members.Keys] : null)).ToList());
        var truncated = items.Count > limit;
        // A list can be large (up to the list limit of values): streamed, never buffered whole a second time.
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, new KvList(truncated ? items[..limit] : items, truncated), ApiJson.Default.KvList, ctx.RequestAborted).ConfigureAwait(false);
    }

    private async Task AddCounter(HttpContext ctx)
    {
        if (!TryKey(ctx, out var key, out var keyError))
        {
            await keyError.ConfigureAwait(false);
            return;
        }

        var body = await ReadSmallBodyAsync(ctx).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount) || amount == long.MinValue)
        {
            await Error(ctx, 400, "the body must be an integer amount (e.g. 5 or -3)", "bad_amount").ConfigureAwait(false);
            return;
        }

        await WriteAsync(ctx, new Command { Kind = CommandKind.CounterAdd, Key = key, Amount = amount }).ConfigureAwait(false);
    }

    private async Task GetCounter(HttpContext ctx)
    {
        if (!TryKey(ctx, out var key, out var keyError))
        {
            await keyError.ConfigureAwait(false);
            return;
        }

        if (!await ReadyToReadAsync(ctx).ConfigureAwait(false))
        {
            return;
        }

        var (type, value, revision) = node.Query(m => m.Find(key) is { } r ? (r.Type, r.Counter, r.Revision) : (KeyType.Counter, 0L, 0UL));
        if (type != KeyType.Counter)
        {
            await Error(ctx, 409, $"key '{key}' does not hold a counter", "wrong_type", revision).ConfigureAwait(false);
            return;
        }

        ctx.Response.Headers.ETag = ETag(revision);
        await Json(ctx, 200, new CounterResult(key, value, revision), ApiJson.Default.CounterResult).ConfigureAwait(false);
    }

    private async Task ChangeSet(HttpContext ctx)
    {
        if (!TryKey(ctx, out var key, out var keyError))
        {
            await keyError.ConfigureAwait(false);
            return;
        }

        var (read, change, _) = await ReadSmallJsonAsync(ctx, ApiJson.Default.SetChange).ConfigureAwait(false);
        if (!read)
        {
            return;
        }

        if (change is null || (change.Add is null) == (change.Remove is null))
        {
            await Error(ctx, 400, "the body must be {\"add\": \"member\"} or {\"remove\": \"member\"}", "bad_set_change").ConfigureAwait(false);
            return;
        }

        var member = change.Add ?? change.Remove!;
        if (!KeyNames.IsValidElement(member) || Encoding.UTF8.GetByteCount(member) > Grey.Federation.FederationLimits.MaxElementBytes)
        {
            await Error(ctx, 400, "a member is 1-256 bytes of text without control characters", "bad_member").ConfigureAwait(false);
            return;
        }

        await WriteAsync(ctx, new Command { Kind = change.Add is not null ? CommandKind.SetAdd : CommandKind.SetRemove, Key = key, Element = member }).ConfigureAwait(false);
    }

    private async Task GetSet(HttpContext ctx)
    {
        if (!TryKey(ctx, out var key, out var keyError))
        {
            await keyError.ConfigureAwait(false);
            return;
        }

        if (!await ReadyToReadAsync(ctx).ConfigureAwait(false))
        {
            return;
        }

        var (type, members, revision) = node.Query(m => m.Find(key) is { } r ? (r.Type, r.Members.Keys.ToArray(), r.Revision) : (KeyType.Set, [], 0UL));
        if (type != KeyType.Set)
        {
            await Error(ctx, 409, $"key '{key}' does not hold a set", "wrong_type", revision).ConfigureAwait(false);
            return;
        }

        ctx.Response.Headers.ETag = ETag(revision);
        await Json(ctx, 200, new SetResult(key, members, revision), ApiJson.Default.SetResult).ConfigureAwait(false);
    }

    private async Task WriteAsync(HttpContext ctx, Command command)
    {
        var result = await node.ProposeAsync(command, ctx.RequestAborted).ConfigureAwait(false);
        if (result.Status != ProposalStatus.Applied)
        {
            await Unavailable(ctx, result).ConfigureAwait(false);
            return;
        }

        var o = result.Outcome;
        switch (o.Status)
        {
            case CommandStatus.Ok:
                ctx.Response.Headers.ETag = ETag(o.Revision);
                if (command.Kind == CommandKind.CounterAdd)
                {
                    await Json(ctx, 200, new CounterResult(command.Key, o.CounterValue, o.Revision), ApiJson.Default.CounterResult).ConfigureAwait(false);
                }
                else
                {
                    WriteKvWritten(ctx, command.Key, o.Revision, o.Index);
                }

                break;
            case CommandStatus.NotFound:
                await Error(ctx, 404, $"key '{command.Key}' not found", "not_found").ConfigureAwait(false);
                break;
            case CommandStatus.PreconditionFailed:
                ctx.Response.Headers.ETag = ETag(o.Revision);
                await Error(ctx, 412, $"precondition failed: the key's revision is {o.Revision}", "precondition_failed", o.Revision).ConfigureAwait(false);
                break;
            case CommandStatus.WrongType:
                await Error(ctx, 409, $"key '{command.Key}' holds another type", "wrong_type", o.Revision).ConfigureAwait(false);
                break;
            case CommandStatus.Forbidden:
                await Error(ctx, 403, "desired/... keys are written only by the cloud", "forbidden").ConfigureAwait(false);
                break;
            case CommandStatus.Overflow:
                await Error(ctx, 409, "the counter would overflow a signed 64-bit integer", "overflow", o.Revision).ConfigureAwait(false);
                break;
            default:
                await Error(ctx, 503, "the site has no epoch yet; retry", "not_ready").ConfigureAwait(false);
                break;
        }
    }

    private async Task<bool> ReadyToReadAsync(HttpContext ctx)
    {
        if (string.Equals(ctx.Request.Query["stale"], "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (await node.ReadBarrierAsync(ctx.RequestAborted).ConfigureAwait(false))
        {
            return true;
        }

        await Error(ctx, 503, "no leader confirmed a linearizable read in time (use ?stale=true for a local read)", "no_quorum", leader: node.LeaderId).ConfigureAwait(false);
        return false;
    }

    private bool TryKey(HttpContext ctx, out string key, out Task error)
    {
        key = ctx.Request.RouteValues["key"] as string ?? string.Empty;
        if (!KeyNames.IsValid(key))
        {
            error = Error(ctx, 400, "a key is 1-256 printable ASCII characters (no spaces)", "bad_key");
            return false;
        }

        if (KeyNames.IsDesired(key) && !HttpMethods.IsGet(ctx.Request.Method))
        {
            // DESIGN G6: the cloud owns desired/...; refuse before proposing anything.
            error = Error(ctx, 403, "desired/... keys are written only by the cloud", "forbidden");
            return false;
        }

        error = Task.CompletedTask;
        return true;
    }

    private static bool TryCondition(HttpContext ctx, out CommandCondition condition, out ulong expected, out string error)
    {
        condition = CommandCondition.None;
        expected = 0;
        error = string.Empty;
        var ifMatch = ctx.Request.Headers.IfMatch.ToString();
        var ifNoneMatch = ctx.Request.Headers.IfNoneMatch.ToString();
        if (ifMatch.Length > 0 && ifNoneMatch.Length > 0)
        {
            error = "use If-Match or If-None-Match, not both";
            return false;
        }

        if (ifNoneMatch.Length > 0)
        {
            if (ifNoneMatch.Trim() != "*")
            {
                error = "If-None-Match supports only *";
                return false;
            }

            condition = CommandCondition.IfAbsent;
            return true;
        }

        if (ifMatch.Length > 0)
        {
            var text = ifMatch.Trim();
            if (text.Length < 3 || text[0] != '"' || text[^1] != '"'
                || !ulong.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out expected))
            {
                error = "If-Match must be a quoted revision, e.g. \"3\"";
                return false;
            }

            condition = CommandCondition.IfRevision;
        }

        return true;
    }

    private static string ETag(ulong revision) => "\"" + revision.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// Reads a small JSON or integer body; when it exceeds <see cref="ApiLimits.MaxSmallBodyBytes"/> answers 413
    /// itself and returns null, so every handler refuses oversized bodies with the same status and message.
    /// </summary>
    private static async Task<byte[]?> ReadSmallBodyAsync(HttpContext ctx)
    {
        var body = await ReadBodyAsync(ctx, ApiLimits.MaxSmallBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            await Error(ctx, 413, $"body larger than {ApiLimits.MaxSmallBodyBytes} bytes", "body_too_large").ConfigureAwait(false);
        }

        return body;
    }

    /// <summary>
    /// Reads a small JSON body as <paramref name="type"/>; answers 413 (too large) or 400 <c>bad_json</c> itself and
    /// then returns <c>Ok = false</c>. <c>Raw</c> is the body as read (to proxy it to the leader unchanged).
    /// </summary>
    private static async Task<(bool Ok, T? Value, byte[] Raw)> ReadSmallJsonAsync<T>(HttpContext ctx, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var body = await ReadSmallBodyAsync(ctx).ConfigureAwait(false);
        if (body is null)
        {
            return (false, default, []);
        }

        try
        {
            return (true, JsonSerializer.Deserialize(body, type), body);
        }
        catch (JsonException e)
        {
            await Error(ctx, 400, "malformed JSON: " + e.Message, "bad_json").ConfigureAwait(false);
            return (false, default, body);
        }
    }

    /// <summary>Reads the body up to <paramref name="limit"/> bytes; null when it is larger.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext ctx, int limit)
    {
        if (ctx.Request.ContentLength > limit)
        {
            return null;
        }

        if (ctx.Request.ContentLength is long known)
        {
            // The usual case: read straight into an array of the announced size (no staging buffer, no copy).
            var exact = new byte[known];
            var filled = 0;
            int got;
            while (filled < exact.Length && (got = await ctx.Request.Body.ReadAsync(exact.AsMemory(filled), ctx.RequestAborted).ConfigureAwait(false)) > 0)
            {
                filled += got;
            }

            // Kestrel ends the body at Content-Length, so a shorter body means the client went away mid-request.
            return filled == exact.Length ? exact : throw new BadHttpRequestException("the request body ended before its Content-Length");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private Task Unavailable(HttpContext ctx, ProposalResult result) => result.Status switch
    {
        ProposalStatus.Overloaded => Error(ctx, 429, result.Error ?? "overloaded", "overloaded"),
        ProposalStatus.Unknown => Error(ctx, 503, result.Error ?? "outcome unknown", "outcome_unknown", leader: node.LeaderId),
        ProposalStatus.Dropped => Error(ctx, 503, result.Error ?? "dropped", "dropped", leader: node.LeaderId),
        ProposalStatus.Stopped => Error(ctx, 503, result.Error ?? "stopped", "stopped"),
        _ => Error(ctx, 503, result.Error ?? "no leader", "no_leader", leader: node.LeaderId),
    };

    /// <summary>
    /// The answer to every successful key write, <c>{"key":K,"revision":R,"index":I}</c> (what <see cref="KvWriteResult"/>
    /// serializes to), written straight into the response's buffer: this is the one answer of the hot path, and the
    /// serializer's writer, its result array and a second copy into the response cost more than the answer. Keys are
    /// printable ASCII (<see cref="KeyNames.IsValid"/>), so only a quote and a backslash need escaping. Kestrel sends
    /// the buffered bytes with the headers when the handler returns.
    /// </summary>
    internal static void WriteKvWritten(HttpContext ctx, string key, ulong revision, ulong index)
    {
        ReadOnlySpan<byte> head = "{\"key\":\""u8;
        ReadOnlySpan<byte> middle = "\",\"revision\":"u8;
        ReadOnlySpan<byte> tail = ",\"index\":"u8;
        var escapes = 0;
        foreach (var c in key)
        {
            if (c is '"' or '\\')
            {
                escapes++;
            }
        }

        var length = head.Length + key.Length + escapes + middle.Length + Digits(revision) + tail.Length + Digits(index) + 1;
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = length;
        var writer = ctx.Response.BodyWriter;
        var span = writer.GetSpan(length);
        head.CopyTo(span);
        var at = head.Length;
        foreach (var c in key)
        {
            if (c is '"' or '\\')
            {
                span[at++] = (byte)'\\';
            }

            span[at++] = (byte)c;
        }

        middle.CopyTo(span[at..]);
        at += middle.Length;
        revision.TryFormat(span[at..], out var written, default, CultureInfo.InvariantCulture);
        at += written;
        tail.CopyTo(span[at..]);
        at += tail.Length;
        index.TryFormat(span[at..], out written, default, CultureInfo.InvariantCulture);
        at += written;
        span[at++] = (byte)'}';
        writer.Advance(at);
    }

    private static int Digits(ulong value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static Task Error(HttpContext ctx, int status, string message, string code, ulong? revision = null, ulong? leader = null) =>
        Json(ctx, status, new ApiError(message, code, revision, leader), ApiJson.Default.ApiError);

    private static async Task Json<T>(HttpContext ctx, int status, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        // Serialized to bytes first: the answer then carries a Content-Length instead of chunked encoding, and
        // the small bodies of this API leave in one write.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, info);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).ConfigureAwait(false);
    }
}

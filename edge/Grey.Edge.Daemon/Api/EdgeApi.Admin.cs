using System.Globalization;
using System.Text.Json;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Grey.Edge.Transport;
using Grey.Raft;
using Microsoft.AspNetCore.Http;

namespace Grey.Edge.Daemon.Api;

/// <summary>Status, health, metrics, membership, leadership transfer and the internal forwarding route.</summary>
internal sealed partial class EdgeApi
{
    private Task Status(HttpContext ctx)
    {
        var raft = node.RaftStatus;
        var (epoch, chain) = node.Query(m => (m.Epoch, Convert.ToHexStringLower(m.ChainHash.Span)));
        var peers = raft?.Progress.Select(p => new PeerStatus(p.Key, p.Value.Match, p.Value.Next, p.Value.State.ToString().ToLowerInvariant(), p.Value.IsLearner, p.Value.RecentActive)).ToList() ?? [];
        var body = new NodeStatus(
            node.Id,
            node.Site,
            raft?.Role.ToString().ToLowerInvariant() ?? "unknown",
            raft?.Term ?? 0,
            node.LeaderId,
            raft?.Commit ?? 0,
            raft?.Applied ?? 0,
            node.CanCommit,
            epoch?.ToString("x16", CultureInfo.InvariantCulture),
            chain,
            raft?.Config.Voters ?? [],
            raft?.Config.Learners ?? [],
            peers,
            node.Failure?.Message);
        return Json(ctx, 200, body, ApiJson.Default.NodeStatus);
    }

    private async Task Health(HttpContext ctx)
    {
        var ok = node.CanCommit;
        ctx.Response.StatusCode = ok ? 200 : 503;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(ok ? "ok\n" : "not ready: this node cannot commit a write yet\n", ctx.RequestAborted).ConfigureAwait(false);
    }

    private async Task Metrics(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/plain; version=0.0.4";
        await ctx.Response.WriteAsync(MetricsText.Render(node, port), ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a learner. With a body <c>{"peer": "HOST:PORT"}</c> the leader first commits the new member's peer address
    /// to the log (<see cref="SiteRecordKind.MemberPeer"/>), so every member reaches it without being restarted with a
    /// longer <c>--peers</c>; without a body the new member must already be in every member's <c>--peers</c>.
    /// </summary>
    private async Task AddLearner(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is null or 0)
        {
            await Membership(ctx, id => ConfChange.AddLearner(id)).ConfigureAwait(false);
            return;
        }

        var (read, request, body) = await ReadSmallJsonAsync(ctx, ApiJson.Default.LearnerRequest).ConfigureAwait(false);
        if (!read)
        {
            return;
        }

        if (request?.Peer is not { } peer || !PeerAddress.IsValid(peer))
        {
            await Error(ctx, 400, "the body must be {\"peer\": \"HOST:PORT\"} with an IP address and a port in 1-65535", "bad_peer").ConfigureAwait(false);
            return;
        }

        if (!ulong.TryParse(ctx.Request.RouteValues["id"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
        {
            await Error(ctx, 400, "the member id must be a positive integer", "bad_member_id").ConfigureAwait(false);
            return;
        }

        if (!await node.ProposeRecordAsync(new SiteRecord(SiteRecordKind.MemberPeer, NodeId: id, PeerAddress: peer), ctx.RequestAborted).ConfigureAwait(false))
        {
            // Not the leader (or the proposal was dropped): the leader does both steps.
            if (await ProxyToLeaderAsync(ctx, node.LeaderId, body).ConfigureAwait(false))
            {
                return;
            }

            await Error(ctx, 503, "no leader took the new member's peer address", "no_leader").ConfigureAwait(false);
            return;
        }

        // Proposed after the address on the same leader, so every member applies the address first.
        await MembershipAnswerAsync(ctx, await node.ChangeMembershipAsync(ConfChange.AddLearner(id), ctx.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private Task Promote(HttpContext ctx) => Membership(ctx, id => ConfChange.AddVoter(id));

    private Task RemoveMember(HttpContext ctx) => Membership(ctx, id => ConfChange.RemoveNode(id));

    private async Task Membership(HttpContext ctx, Func<ulong, ConfChange> change)
    {
        if (!ulong.TryParse(ctx.Request.RouteValues["id"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
        {
            await Error(ctx, 400, "the member id must be a positive integer", "bad_member_id").ConfigureAwait(false);
            return;
        }

        var result = await node.ChangeMembershipAsync(change(id), ctx.RequestAborted).ConfigureAwait(false);
        if (result.Status == ProposalStatus.NoLeader && await ProxyToLeaderAsync(ctx, result.LeaderId, []).ConfigureAwait(false))
        {
            return;
        }

        await MembershipAnswerAsync(ctx, result).ConfigureAwait(false);
    }

    private async Task Transfer(HttpContext ctx)
    {
        var (read, request, _) = await ReadSmallJsonAsync(ctx, ApiJson.Default.TransferRequest).ConfigureAwait(false);
        if (!read)
        {
            return;
        }

        var voters = node.RaftStatus?.Config.Voters ?? [];
        if (request is null || request.To == 0 || !voters.Contains(request.To))
        {
            await Error(ctx, 400, "the body must be {\"to\": ID} naming a voter", "bad_transfer").ConfigureAwait(false);
            return;
        }

        await MembershipAnswerAsync(ctx, await node.TransferLeadershipAsync(request.To, ctx.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task MembershipAnswerAsync(HttpContext ctx, MembershipResult result)
    {
        if (result.Status != ProposalStatus.Applied)
        {
            await Error(ctx, result.Status == ProposalStatus.Dropped ? 409 : 503, result.Error ?? result.Status.ToString(), result.Status.ToString().ToLowerInvariant(), leader: result.LeaderId).ConfigureAwait(false);
            return;
        }

        var config = node.RaftStatus?.Config;
        await Json(ctx, 200, new MembershipAnswer("applied", node.LeaderId, config?.Voters ?? [], config?.Learners ?? []), ApiJson.Default.MembershipAnswer).ConfigureAwait(false);
    }

    /// <summary>Sends the same request to the leader's API and copies its answer back; false when the leader's address is unknown.</summary>
    private async Task<bool> ProxyToLeaderAsync(HttpContext ctx, ulong leader, byte[] body)
    {
        if (leader == 0 || leader == node.Id || !node.TryGetMemberApi(leader, out var api))
        {
            return false;
        }

        using var request = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), api.TrimEnd('/') + ctx.Request.Path + ctx.Request.QueryString) { Content = new ByteArrayContent(body) };
        try
        {
            using var response = await client.SendAsync(request, ctx.RequestAborted).ConfigureAwait(false);
            ctx.Response.StatusCode = (int)response.StatusCode;
            ctx.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await response.Content.CopyToAsync(ctx.Response.Body, ctx.RequestAborted).ConfigureAwait(false);
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task ForwardedPropose(HttpContext ctx)
    {
        var body = await ReadBodyAsync(ctx, ApiLimits.MaxForwardBytes).ConfigureAwait(false);
        if (body is null)
        {
            await Error(ctx, 413, "forwarded command too large", "bad_command").ConfigureAwait(false);
            return;
        }

        if (!CommandCodec.TryDecode(body, out var command, out var error))
        {
            await Error(ctx, 400, "forwarded command: " + error, "bad_command").ConfigureAwait(false);
            return;
        }

        if (Grey.Federation.Identifiers.KeyNames.IsDesired(command.Key))
        {
            await Error(ctx, 403, "desired/... keys are written only by the cloud", "forbidden").ConfigureAwait(false);
            return;
        }

        // The leader side never forwards again: a write bounces at most once.
        var result = await node.ProposeLocalAsync(command, ctx.RequestAborted).ConfigureAwait(false);
        var o = result.Outcome;
        await Json(ctx, 200, new ForwardAnswer(result.Status.ToString(), o.Status.ToString(), o.Revision, o.CounterValue, o.Index, result.Error), ApiJson.Default.ForwardAnswer).ConfigureAwait(false);
    }

    private async Task ForwardedBatch(HttpContext ctx)
    {
        // A batch may exceed the server-wide body limit (one maximal value); this route has its own.
        if (ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = ForwardBatchCodec.MaxRequestBytes;
        }

        var body = await ReadBodyAsync(ctx, ForwardBatchCodec.MaxRequestBytes).ConfigureAwait(false);
        if (body is null)
        {
            await Error(ctx, 413, "forwarded batch too large", "bad_command").ConfigureAwait(false);
            return;
        }

        if (!ForwardBatchCodec.TryDecodeRequest(body, out var encoded, out var batchError))
        {
            await Error(ctx, 400, "forwarded batch: " + batchError, "bad_command").ConfigureAwait(false);
            return;
        }

        // The commands go to the node as one batch (one loop event, one completion), so the whole batch lands in one
        // loop round (and one fsync) when it can. The leader side never forwards again: a write bounces at most once.
        var results = new ProposalResult[encoded.Length];
        var commands = new List<Command>(encoded.Length);
        var slots = new List<int>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (!CommandCodec.TryDecode(encoded[i].Span, out var command, out var error))
            {
                results[i] = ProposalResult.Fail(ProposalStatus.Dropped, "forwarded command: " + error);
            }
            else if (Grey.Federation.Identifiers.KeyNames.IsDesired(command.Key))
            {
                results[i] = new ProposalResult(ProposalStatus.Applied, new CommandOutcome(CommandStatus.Forbidden, 0));
            }
            else
            {
                commands.Add(command);
                slots.Add(i);
            }
        }

        var proposed = await node.ProposeLocalBatchAsync(commands, ctx.RequestAborted).ConfigureAwait(false);
        for (var k = 0; k < proposed.Length; k++)
        {
            results[slots[k]] = proposed[k];
        }

        var answer = ForwardBatchCodec.EncodeAnswer(results);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.ContentLength = answer.Length;
        await ctx.Response.Body.WriteAsync(answer, ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Decodes a <see cref="ForwardAnswer"/> back into a result (the follower side).</summary>
    internal static ProposalResult FromAnswer(ForwardAnswer answer) =>
        Enum.TryParse<ProposalStatus>(answer.Status, out var status) && Enum.TryParse<CommandStatus>(answer.CommandStatus, out var commandStatus)
            ? new ProposalResult(status, new CommandOutcome(commandStatus, answer.Revision, answer.Counter, answer.Index), answer.Error)
            : ProposalResult.Fail(ProposalStatus.Unknown, "the leader's answer did not parse");
}

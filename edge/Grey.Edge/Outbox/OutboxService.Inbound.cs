using Grey.Edge.Desired;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Grey.Edge.Uplink;
using Grey.Federation.Messages;
using Grey.Raft;

namespace Grey.Edge.Outbox;

/// <summary>
/// What the region sends: signed acks (verified, checked, recorded through Raft), NAKs, link events, revocations,
/// and signed desired-state changes (verified, applied through Raft exactly once, in sequence order).
/// </summary>
internal sealed partial class OutboxService
{
    private async ValueTask HandleInboundAsync(UplinkInbound message, CancellationToken token)
    {
        switch (message.Kind)
        {
            case UplinkInboundKind.Ack:
                HandleAck(message.Payload, token);
                break;
            case UplinkInboundKind.Nak:
                HandleNak(message.Payload);
                break;
            case UplinkInboundKind.LinkUp:
                linkUp = true;
                if (session is { } s)
                {
                    // Drain at once from the acknowledged index: whatever was in flight may be lost.
                    Metrics.Resent();
                    s.Restart(node.Query(m => m.AckedIndex) + 1);
                }

                if (node.IsLeader && !revokedSelf)
                {
                    await MaybeReportAsync(force: true, token).ConfigureAwait(false);
                }

                break;
            case UplinkInboundKind.LinkDown:
                linkUp = false;
                break;
            case UplinkInboundKind.Revoke:
                HandleRevocation(message.Payload);
                break;
            case UplinkInboundKind.Desired:
                // Settles (or deliberately does not) by itself.
                await HandleDesiredAsync(message, token).ConfigureAwait(false);
                return;
        }

        if (message.Settle is { } settle && message.Kind is UplinkInboundKind.Ack or UplinkInboundKind.Nak or UplinkInboundKind.Revoke)
        {
            await settle().ConfigureAwait(false);
        }
    }

    private void HandleAck(ReadOnlyMemory<byte> payload, CancellationToken token)
    {
        if (!node.IsLeader || revokedSelf)
        {
            // Only the leader records acks; followers learn them through the log.
            return;
        }

        var verified = ackVerifier.Verify(payload);
        if (!verified.IsTrusted)
        {
            RefuseAck("ack refused: " + verified.Error);
            return;
        }

        var ack = verified.Ack!;
        var (acked, epoch, applied) = node.Query(m => (m.AckedIndex, m.Epoch, m.AppliedIndex));
        if (ack.Region != options.Region || ack.Site != node.Site || ack.Epoch != epoch)
        {
            RefuseAck($"ack refused: it names region {ack.Region}, site {ack.Site}, epoch {ack.Epoch}; this is {options.Region}, {node.Site}, {epoch}");
            return;
        }

        var s = session;
        if (ack.MergedIndex <= Math.Max(acked, s?.ProposedAck ?? 0))
        {
            Metrics.AckStale();
            return;
        }

        if (ack.MergedIndex > applied)
        {
            RefuseAck($"ack refused: index {ack.MergedIndex} is beyond what this site applied ({applied})");
            return;
        }

        if (!journal.TryChainAt(ack.MergedIndex, out var chain))
        {
            // Below a fold: the journal no longer knows that chain hash; the checkpoint's ack will cover it.
            Metrics.AckStale();
            return;
        }

        if (!chain.AsSpan().SequenceEqual(ack.ChainHash))
        {
            RefuseAck($"ack refused: chain hash at {ack.MergedIndex} does not match the journal's");
            return;
        }

        var record = new SiteRecord(SiteRecordKind.RegionAck, Epoch: ack.Epoch, Region: ack.Region, AckIndex: ack.MergedIndex, ChainHash: ack.ChainHash.ToArray());
        if (s is not null)
        {
            // The region made everything through this index durable and signed for it: the window opens now. Waiting
            // for the ack's own Raft record (behind the clients' writes) would stall shipping for a commit per ack.
            s.ProposedAck = ack.MergedIndex;
            s.Acknowledged(ack.MergedIndex);
        }

        ProposeAck(record, token);
    }

    private void RefuseAck(string reason)
    {
        Metrics.AckRefused();
        LastError = reason;
    }

    private void HandleNak(ReadOnlyMemory<byte> payload)
    {
        if (session is not { } s)
        {
            return;
        }

        var decoded = SiteNak.Decode(payload);
        if (!decoded.IsSuccess)
        {
            LastError = "nak refused: " + decoded.Error.Message;
            return;
        }

        var nak = decoded.Value;
        var (acked, epoch) = node.Query(m => (m.AckedIndex, m.Epoch));
        if (nak.Region != options.Region || nak.Site != node.Site || nak.Epoch != epoch)
        {
            return;
        }

        Metrics.Nak();
        Metrics.Resent();
        s.Restart(Math.Max(acked + 1, nak.FirstMissingIndex));
    }

    private void HandleRevocation(ReadOnlyMemory<byte> payload)
    {
        if (revocationVerifier is null)
        {
            return;
        }

        var check = revocationVerifier.Verify(payload);
        if (!check.IsValid)
        {
            LastError = "revocation notice refused: " + check.Error;
            return;
        }

        Metrics.Revoked();
        revokedNodes.Add(check.NodeName!);
        if (check.NodeName == nodeName)
        {
            // This node may no longer sign: stop at once; the others re-ship its unacknowledged range.
            revokedSelf = true;
            session = null;
        }
    }

    private async ValueTask HandleRevocationsAsync(CancellationToken token)
    {
        if (revokedNodes.Count == 0 || !node.IsLeader || node.RaftStatus is not { } status)
        {
            return;
        }

        if (revokedSelf)
        {
            // Step down: hand leadership to the most caught-up other voter; that leader removes this node.
            var target = status.Config.Voters.Where(v => v != node.Id)
                .OrderByDescending(v => status.Progress.TryGetValue(v, out var p) ? p.Match : 0)
                .FirstOrDefault();
            if (target != 0)
            {
                await node.TransferLeadershipAsync(target, token).ConfigureAwait(false);
            }

            return;
        }

        foreach (var member in status.Config.Voters.Concat(status.Config.Learners).Distinct().ToList())
        {
            if (member != node.Id && (revokedNodes.Contains(Node.EdgeNode.NodeName(member)) || revokedNodes.Contains(Node.EnrolledNodeName.For(node.Site, member))))
            {
                await node.ChangeMembershipAsync(ConfChange.RemoveNode(member), token).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>
    /// A desired-state change (docs/OUTBOX.md, "Desired state"): only the leader acts. Verified (signature, this site,
    /// the home region), then compared with the replicated applied mark: at or below it a duplicate, the next one
    /// proposed through Raft (the state machine checks the sequence again when it applies), beyond it a gap (the
    /// region resends in order). Settled at the broker once handled, except when a proposal reached no outcome: that
    /// copy stays with the broker and comes again.
    /// </summary>
    private async ValueTask HandleDesiredAsync(UplinkInbound message, CancellationToken token)
    {
        var settle = true;
        try
        {
            settle = await ApplyDesiredAsync(message.Payload, token).ConfigureAwait(false);
        }
        finally
        {
            if (settle && message.Settle is { } s)
            {
                await s().ConfigureAwait(false);
            }
        }
    }

    // Returns whether the message may be settled.
    private async ValueTask<bool> ApplyDesiredAsync(ReadOnlyMemory<byte> payload, CancellationToken token)
    {
        if (!node.IsLeader || revokedSelf)
        {
            // The leader applies it; the region resends to the site until an applied change comes back up, so a
            // follower (or a revoked node) settles its copy and does nothing else.
            DesiredMetrics.CountNotLeader();
            return true;
        }

        if (desiredVerifier is null)
        {
            RefuseDesired(DesiredRefusal.NoTrust, "no desired-state verifier configured");
            return true;
        }

        var verified = desiredVerifier.Verify(payload);
        if (!verified.IsTrusted)
        {
            RefuseDesired(verified.Reason, verified.Error ?? verified.Reason.ToString());
            return true;
        }

        var change = verified.Change!;
        if (change.Site != node.Site)
        {
            RefuseDesired(DesiredRefusal.WrongSite, $"desired change for site {change.Site}, this is {node.Site}");
            return true;
        }

        if (change.Region != options.Region)
        {
            RefuseDesired(DesiredRefusal.WrongRegion, $"desired change from region {change.Region}, the home region is {options.Region}");
            return true;
        }

        var applied = node.Query(m => m.DesiredAppliedSequence(change.Region));
        if (change.Sequence <= applied)
        {
            DesiredMetrics.CountDuplicate();
            return true;
        }

        if (change.Sequence > applied + 1)
        {
            DesiredMetrics.CountGap();
            return true;
        }

        var result = await node.ProposeLocalAsync(new Command { Kind = CommandKind.Desired, Key = change.Key, Value = change.Encode() }, token).ConfigureAwait(false);
        if (result.Status != ProposalStatus.Applied)
        {
            DesiredMetrics.CountProposalFailure();
            LastError = $"desired change {change.Region}#{change.Sequence}: {result.Status} {result.Error}";
            return false;
        }

        switch (result.Outcome.Status)
        {
            case CommandStatus.Ok:
                DesiredMetrics.CountApplied();
                break;
            case CommandStatus.DesiredOutOfOrder when node.Query(m => m.DesiredAppliedSequence(change.Region)) >= change.Sequence:
                // Another proposal of the same change (an earlier leader's) committed first: applied once, by it.
                DesiredMetrics.CountDuplicate();
                break;
            case CommandStatus.DesiredOutOfOrder:
                DesiredMetrics.CountGap();
                break;
            default:
                LastError = $"desired change {change.Region}#{change.Sequence} not applied: {result.Outcome.Status}";
                break;
        }

        return true;
    }

    private void RefuseDesired(DesiredRefusal reason, string error)
    {
        DesiredMetrics.CountRefused(reason);
        LastError = "desired change refused: " + error;
    }
}

using Grey.Edge.StateMachine;

namespace Grey.Edge.Node;

/// <summary>
/// Sends a write that reached a follower to the leader, which stamps and proposes it. The daemon forwards over
/// the leader's HTTP API (its address comes from the log); tests forward in process.
/// </summary>
internal interface IProposalForwarder
{
    /// <summary>Proposes <paramref name="command"/> on <paramref name="leaderId"/> (whose published API address is <paramref name="leaderApi"/>).</summary>
    ValueTask<ProposalResult> ForwardAsync(ulong leaderId, string leaderApi, Command command, CancellationToken cancellationToken);
}

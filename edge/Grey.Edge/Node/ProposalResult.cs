using Grey.Edge.StateMachine;

namespace Grey.Edge.Node;

/// <summary>The result of <see cref="EdgeNode.ProposeAsync"/>: the node-level status and, when applied, the command outcome.</summary>
internal readonly record struct ProposalResult(ProposalStatus Status, CommandOutcome Outcome = default, string? Error = null)
{
    /// <summary>A failure that is not <see cref="ProposalStatus.Applied"/>.</summary>
    public static ProposalResult Fail(ProposalStatus status, string error) => new(status, default, error);
}

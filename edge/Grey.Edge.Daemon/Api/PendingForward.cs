using Grey.Edge.Node;

namespace Grey.Edge.Daemon.Api;

/// <summary>One write waiting to be forwarded: its encoded command and the caller's completion.</summary>
internal sealed class PendingForward(byte[] command)
{
    /// <summary>The encoded command (<see cref="Grey.Edge.StateMachine.CommandCodec"/>).</summary>
    public byte[] Command { get; } = command;

    /// <summary>Completed with the leader's result, or a failure of the hop.</summary>
    public TaskCompletionSource<ProposalResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

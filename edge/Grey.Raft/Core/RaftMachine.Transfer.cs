namespace Grey.Raft.Core;

/// <summary>Leader transfer.</summary>
internal sealed partial class RaftMachine
{
    /// <summary>Handles a transfer request; <see cref="Message.From"/> names the transferee.</summary>
    private void HandleTransferLeader(Message m)
    {
        var transferee = m.From;
        if (!Tracker.Progress.TryGetValue(transferee, out var pr) || pr.IsLearner)
        {
            // Only a voter can lead.
            return;
        }

        if (LeadTransferee != 0)
        {
            if (LeadTransferee == transferee)
            {
                return;
            }

            AbortLeaderTransfer();
        }

        if (transferee == Id)
        {
            return;
        }

        // The transfer must finish within one election timeout, or it is abandoned (see TickHeartbeat).
        ElectionElapsed = 0;
        LeadTransferee = transferee;
        if (pr.Match == Log.LastIndex())
        {
            SendTimeoutNow(transferee);
        }
        else
        {
            SendAppend(transferee);
        }
    }

    private void SendTimeoutNow(ulong to) =>
        Send(new Message { Type = MessageType.TimeoutNow, To = to, Term = Term });

    private void AbortLeaderTransfer() => LeadTransferee = 0;
}

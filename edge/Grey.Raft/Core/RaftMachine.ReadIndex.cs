namespace Grey.Raft.Core;

/// <summary>Linearizable reads through ReadIndex.</summary>
internal sealed partial class RaftMachine
{
    private void HandleLeaderReadIndex(Message m)
    {
        if (Tracker.IsSingleton && Tracker.Config.Voters.Contains(Id))
        {
            // We are the only voter: nobody can have deposed us. (A leader that removed itself and left a
            // single other voter is not in this case: that voter may already lead a later term.)
            RespondToReadIndex(m, Log.Committed);
            return;
        }

        if (Sabotage.HasFlag(RaftSabotage.ReadIndexWithoutQuorum))
        {
            RespondToReadIndex(m, Log.Committed);
            return;
        }

        if (!CommittedEntryInCurrentTerm())
        {
            // Until an entry of our term is committed we do not know the true commit index (it may be higher
            // than ours); hold the request until the empty entry of our term commits.
            if (pendingReadIndexMessages.Count < options.MaxPendingReadIndex)
            {
                pendingReadIndexMessages.Add(m);
            }

            return;
        }

        SendReadIndexResponse(m);
    }

    private void SendReadIndexResponse(Message m)
    {
        // A leader that removed itself has no lease (it ignores check-quorum), so it always confirms.
        var option = RemovedLeader ? ReadOnlyOption.Safe : ReadOnly.Option;
        switch (option)
        {
            case ReadOnlyOption.Safe:
                // Confirm leadership with a heartbeat round; the read index is the commit index now.
                if (ReadOnly.Count >= options.MaxPendingReadIndex)
                {
                    return;
                }

                if (!ReadOnly.AddRequest(Log.Committed, m))
                {
                    return;
                }

                ReadOnly.RecvAck(Id, m.Context);
                BroadcastHeartbeat(m.Context);
                break;
            case ReadOnlyOption.LeaseBased:
                // Check-quorum guarantees no other leader was elected within our lease.
                RespondToReadIndex(m, Log.Committed);
                break;
            default:
                throw new InvalidOperationException($"unknown read-only option {ReadOnly.Option}");
        }
    }

    private void RespondToReadIndex(Message request, ulong readIndex)
    {
        if (request.From == 0 || request.From == Id)
        {
            ReadStates.Add(new ReadState(readIndex, request.Context));
            return;
        }

        Send(new Message
        {
            Type = MessageType.ReadIndexResponse,
            To = request.From,
            Term = Term,
            Index = readIndex,
            Context = request.Context,
        });
    }

    private bool CommittedEntryInCurrentTerm() => Log.ZeroTermOnOutOfBounds(Log.Committed) == Term;

    private void ReleasePendingReadIndexMessages()
    {
        if (pendingReadIndexMessages.Count == 0 || !CommittedEntryInCurrentTerm())
        {
            return;
        }

        var held = pendingReadIndexMessages.ToList();
        pendingReadIndexMessages.Clear();
        foreach (var m in held)
        {
            SendReadIndexResponse(m);
        }
    }
}

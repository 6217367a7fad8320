using Grey.Raft.Quorum;

namespace Grey.Raft.Core;

/// <summary>Ticks, elections, pre-vote and vote handling.</summary>
internal sealed partial class RaftMachine
{
    public void Tick()
    {
        if (State == StateRole.Leader)
        {
            TickHeartbeat();
        }
        else
        {
            TickElection();
        }
    }

    private void TickElection()
    {
        ElectionElapsed++;
        if (Promotable && ElectionElapsed >= randomizedElectionTimeout)
        {
            ElectionElapsed = 0;
            Step(new Message { Type = MessageType.Hup, From = Id });
        }
    }

    private void TickHeartbeat()
    {
        heartbeatElapsed++;
        ElectionElapsed++;

        if (ElectionElapsed >= options.ElectionTick)
        {
            ElectionElapsed = 0;
            if (options.CheckQuorum)
            {
                CheckQuorum();
            }

            // A transfer that did not finish within an election timeout is abandoned, so proposals resume;
            // a leader that removed itself tries again (possibly with another voter).
            if (State == StateRole.Leader && LeadTransferee != 0)
            {
                AbortLeaderTransfer();
            }

            if (RemovedLeader)
            {
                HandOverAfterRemoval();
            }
        }

        if (State != StateRole.Leader)
        {
            return;
        }

        if (heartbeatElapsed >= options.HeartbeatTick)
        {
            heartbeatElapsed = 0;
            BroadcastHeartbeat();
        }
    }

    /// <summary>Steps down unless a quorum was heard from during the last election timeout.</summary>
    private void CheckQuorum()
    {
        // A leader that removed itself keeps leading until it has handed over (see HandOverAfterRemoval):
        // it is the one node sure to tell the remaining voters that the change committed. It cannot commit
        // alone and serves reads only through a quorum round, so staying is safe.
        if (!Tracker.QuorumActive(Id) && !RemovedLeader)
        {
            BecomeFollower(Term, 0);
            return;
        }

        foreach (var (id, pr) in Tracker.Progress)
        {
            if (id != Id)
            {
                pr.RecentActive = false;
            }
        }
    }

    private void Hup(CampaignType type)
    {
        if (State == StateRole.Leader)
        {
            return;
        }

        if (!Promotable)
        {
            return;
        }

        if (HasUnappliedConfChanges())
        {
            // Campaigning with a stale configuration could let the wrong quorum elect us.
            return;
        }

        Campaign(type);
    }

    private bool HasUnappliedConfChanges()
    {
        if (Log.Applied >= Log.Committed)
        {
            return false;
        }

        var lo = Math.Max(Log.Applied + 1, Log.FirstIndex());
        var hi = Log.Committed + 1;
        while (lo < hi)
        {
            var page = Log.Slice(lo, hi, options.MaxSizePerMsg);
            if (page.Exists(e => e.Kind == EntryKind.ConfChange))
            {
                return true;
            }

            lo += (ulong)page.Count;
        }

        return false;
    }

    private void Campaign(CampaignType type)
    {
        ulong term;
        MessageType voteType;
        if (type == CampaignType.PreElection)
        {
            BecomePreCandidate();
            voteType = MessageType.PreVote;

            // Pre-vote asks for the term we would use, without moving to it.
            term = Term + 1;
        }
        else
        {
            BecomeCandidate();
            voteType = MessageType.Vote;
            term = Term;
        }

        if (Poll(Id, true) == VoteResult.Won)
        {
            // A single voter wins at once.
            if (type == CampaignType.PreElection)
            {
                Campaign(CampaignType.Election);
            }
            else
            {
                BecomeLeader();
            }

            return;
        }

        var lastIndex = Log.LastIndex();
        var lastTerm = Log.LastTerm();
        foreach (var id in Tracker.Config.Voters.Ids())
        {
            if (id == Id)
            {
                continue;
            }

            Send(new Message
            {
                Type = voteType,
                To = id,
                Term = term,
                Index = lastIndex,
                LogTerm = lastTerm,
                Context = type == CampaignType.Transfer ? CampaignTransferContext : ReadOnlyMemory<byte>.Empty,
            });
        }
    }

    private VoteResult Poll(ulong id, bool granted)
    {
        Tracker.RecordVote(id, granted);
        return Tracker.TallyVotes().Result;
    }

    private void HandleVoteRequest(Message m)
    {
        // We can vote for the candidate we already voted for (a repeated request), when we have not voted
        // and know no leader in this term, or for a pre-vote of a later term.
        var canVote = Vote == m.From
            || (Vote == 0 && Lead == 0)
            || (m.Type == MessageType.PreVote && m.Term > Term);
        if (Sabotage.HasFlag(RaftSabotage.GrantTwoVotesPerTerm) && m.Type == MessageType.Vote)
        {
            canVote = true;
        }

        var upToDate = Sabotage.HasFlag(RaftSabotage.SkipLogUpToDateCheck) || Log.IsUpToDate(m.Index, m.LogTerm);
        var responseType = m.Type == MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;
        if (canVote && upToDate)
        {
            // A granted answer carries the candidate's term, so a pre-candidate does not drop it as stale.
            Send(new Message { Type = responseType, To = m.From, Term = m.Term });
            if (m.Type == MessageType.Vote)
            {
                ElectionElapsed = 0;
                Vote = m.From;
            }
        }
        else
        {
            // The refusal carries our commit index and its term: a candidate whose log holds that entry
            // learns it is committed. A candidate that has not heard that a membership change committed may
            // otherwise wait forever for votes its stale configuration asks for (for example from a removed
            // node whose uncommitted tail is longer than the candidate's log).
            Send(new Message
            {
                Type = responseType,
                To = m.From,
                Term = Term,
                Reject = true,
                Commit = Log.Committed,
                LogTerm = Log.ZeroTermOnOutOfBounds(Log.Committed),
            });
        }
    }

    /// <summary>
    /// Learns a commit index from a refused vote. Safe because the entry at that index has the same term in
    /// our log, so by log matching our whole prefix up to it equals the sender's, which it knows committed.
    /// </summary>
    private void MaybeLearnCommit(Message m)
    {
        if (m.Commit > Log.Committed && Log.MatchTerm(m.Commit, m.LogTerm))
        {
            Log.CommitTo(m.Commit);
        }
    }

    private void StepCandidate(Message m)
    {
        var myResponse = State == StateRole.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
        switch (m.Type)
        {
            case MessageType.Append:
                BecomeFollower(m.Term, m.From);
                HandleAppendEntries(m);
                return;
            case MessageType.Heartbeat:
                BecomeFollower(m.Term, m.From);
                HandleHeartbeat(m);
                return;
            case MessageType.Snapshot:
                BecomeFollower(m.Term, m.From);
                HandleSnapshot(m);
                return;
            case MessageType.ReadIndex:
            case MessageType.TransferLeader:
                // No leader known: the request is dropped and the application retries.
                return;
            default:
                break;
        }

        if (m.Type != myResponse)
        {
            return;
        }

        switch (Poll(m.From, !m.Reject))
        {
            case VoteResult.Won:
                if (State == StateRole.PreCandidate)
                {
                    Campaign(CampaignType.Election);
                }
                else
                {
                    BecomeLeader();
                    BroadcastAppend();
                }

                break;
            case VoteResult.Lost:
                // A pre-candidate that lost goes back to its term; its vote (if any) is kept by BecomeFollower.
                BecomeFollower(Term, 0);
                break;
            default:
                break;
        }
    }
}

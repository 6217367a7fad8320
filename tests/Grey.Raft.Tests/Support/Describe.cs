using System.Text;

namespace Grey.Raft.Tests.Support;

/// <summary>Stable one-line renderings of entries, messages and Readies for scenario traces.</summary>
internal static class Describe
{
    public static string Data(ReadOnlyMemory<byte> data) => "\"" + Encoding.UTF8.GetString(data.Span) + "\"";

    public static string Entry(Entry e) => e.Kind switch
    {
        EntryKind.NoOp => $"{e.Term}/{e.Index} NoOp",
        EntryKind.ConfChange => $"{e.Term}/{e.Index} ConfChange {(ConfChange.TryDecode(e.Data.Span, out var cc, out var err) ? cc.ToString() : "malformed: " + err)}",
        _ => $"{e.Term}/{e.Index} {e.Kind} {Data(e.Data)}",
    };

    public static string Entries(IEnumerable<Entry> entries) => string.Join(", ", entries.Select(Entry));

    public static string Snapshot(Snapshot s) =>
        $"Index:{s.Metadata.Index} Term:{s.Metadata.Term} ConfState:{s.Metadata.ConfState}";

    public static string Message(Message m)
    {
        var sb = new StringBuilder($"{m.From}->{m.To} {m.Type} Term:{m.Term}");
        switch (m.Type)
        {
            case MessageType.Append:
                sb.Append($" Log:{m.LogTerm}/{m.Index} Commit:{m.Commit}");
                if (m.Entries.Count > 0)
                {
                    sb.Append($" Entries:[{Entries(m.Entries)}]");
                }

                break;
            case MessageType.AppendResponse:
                sb.Append($" Index:{m.Index}");
                if (m.Reject)
                {
                    sb.Append($" Rejected (Hint: {m.RejectHint}/{m.LogTerm})");
                }

                break;
            case MessageType.Vote:
            case MessageType.PreVote:
                sb.Append($" Log:{m.LogTerm}/{m.Index}");
                if (!m.Context.IsEmpty)
                {
                    sb.Append(" Transfer");
                }

                break;
            case MessageType.VoteResponse:
            case MessageType.PreVoteResponse:
                if (m.Reject)
                {
                    sb.Append(" Rejected");
                }

                break;
            case MessageType.Heartbeat:
                sb.Append($" Commit:{m.Commit}");
                if (!m.Context.IsEmpty)
                {
                    sb.Append($" Context:{Data(m.Context)}");
                }

                break;
            case MessageType.HeartbeatResponse:
                if (!m.Context.IsEmpty)
                {
                    sb.Append($" Context:{Data(m.Context)}");
                }

                break;
            case MessageType.Snapshot:
                sb.Append($" Snapshot[{Snapshot(m.Snapshot!)}]");
                break;
            case MessageType.ReadIndex:
            case MessageType.ReadIndexResponse:
                sb.Append($" Index:{m.Index} Context:{Data(m.Context)}");
                break;
            default:
                break;
        }

        return sb.ToString();
    }

    public static IEnumerable<string> Ready(Ready rd)
    {
        if (rd.SoftState is { } ss)
        {
            yield return $"Lead:{ss.Leader} State:{ss.Role}";
        }

        if (rd.HardState is { } hs)
        {
            yield return $"HardState Term:{hs.Term} Vote:{hs.Vote} Commit:{hs.Commit}";
        }

        if (rd.Entries.Count > 0)
        {
            yield return "Entries:";
            foreach (var e in rd.Entries)
            {
                yield return "  " + Entry(e);
            }
        }

        if (rd.Snapshot is not null)
        {
            yield return "Snapshot " + Snapshot(rd.Snapshot);
        }

        if (rd.CommittedEntries.Count > 0)
        {
            yield return "CommittedEntries:";
            foreach (var e in rd.CommittedEntries)
            {
                yield return "  " + Entry(e);
            }
        }

        if (rd.Messages.Count > 0)
        {
            yield return "Messages:";
            foreach (var m in rd.Messages)
            {
                yield return "  " + Message(m);
            }
        }

        foreach (var rs in rd.ReadStates)
        {
            yield return $"ReadState Index:{rs.Index} Context:{Data(rs.Context)}";
        }
    }
}

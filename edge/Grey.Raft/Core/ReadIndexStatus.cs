namespace Grey.Raft.Core;

/// <summary>A pending ReadIndex request: the commit index when it arrived and who confirmed leadership since.</summary>
internal sealed class ReadIndexStatus
{
    public ReadIndexStatus(Message request, ulong index)
    {
        Request = request;
        Index = index;
    }

    public Message Request { get; }

    public ulong Index { get; }

    public Dictionary<ulong, bool> Acks { get; } = [];
}

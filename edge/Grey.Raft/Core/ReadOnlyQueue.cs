namespace Grey.Raft.Core;

/// <summary>
/// The leader's queue of ReadIndex requests awaiting a heartbeat round that confirms its leadership.
/// Requests are keyed by their context; a heartbeat acknowledged by a quorum confirms every request queued
/// up to and including the one whose context it carried.
/// </summary>
internal sealed class ReadOnlyQueue
{
    private readonly Dictionary<string, ReadIndexStatus> pending = [];
    private readonly List<string> queue = [];

    public ReadOnlyQueue(ReadOnlyOption option) => Option = option;

    public ReadOnlyOption Option { get; }

    public int Count => queue.Count;

    private static string Key(ReadOnlyMemory<byte> context) => Convert.ToHexString(context.Span);

    /// <summary>Queues a request; false when one with the same context is already pending.</summary>
    public bool AddRequest(ulong index, Message request)
    {
        var key = Key(request.Context);
        if (pending.ContainsKey(key))
        {
            return false;
        }

        pending[key] = new ReadIndexStatus(request, index);
        queue.Add(key);
        return true;
    }

    /// <summary>Records a heartbeat acknowledgement; returns the acks of that request, or null if it is unknown.</summary>
    public IReadOnlyDictionary<ulong, bool>? RecvAck(ulong id, ReadOnlyMemory<byte> context)
    {
        if (!pending.TryGetValue(Key(context), out var status))
        {
            return null;
        }

        status.Acks[id] = true;
        return status.Acks;
    }

    /// <summary>Removes and returns every request up to and including the one with <paramref name="context"/>.</summary>
    public List<ReadIndexStatus> Advance(ReadOnlyMemory<byte> context)
    {
        var key = Key(context);
        var at = queue.IndexOf(key);
        if (at < 0)
        {
            return [];
        }

        var result = new List<ReadIndexStatus>(at + 1);
        for (var i = 0; i <= at; i++)
        {
            result.Add(pending[queue[i]]);
            pending.Remove(queue[i]);
        }

        queue.RemoveRange(0, at + 1);
        return result;
    }

    /// <summary>The context of the newest pending request; heartbeats carry it so one round confirms all.</summary>
    public ReadOnlyMemory<byte> LastPendingRequestContext() =>
        queue.Count == 0 ? ReadOnlyMemory<byte>.Empty : pending[queue[^1]].Request.Context;
}

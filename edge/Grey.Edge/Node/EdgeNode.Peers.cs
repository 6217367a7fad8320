using Grey.Edge.Transport;

namespace Grey.Edge.Node;

/// <summary>Members added at run time: their peer addresses, from the log and snapshots, reach the transport.</summary>
internal sealed partial class EdgeNode
{
    // Addresses already given to the transport (node loop only; before the loop starts, StartAsync's thread).
    private readonly Dictionary<ulong, string> peersGiven = [];

    /// <summary>
    /// Gives the transport every member peer address the state machine holds that it was not given yet: at start (from
    /// the restored snapshot), after each applied record and after a snapshot from the leader. A member already in the
    /// transport's table (from <c>--peers</c>) keeps that address; the transport reports it as already present.
    /// </summary>
    private void LearnPeers()
    {
        if (transport is not IPeerDirectory directory || machine.MemberPeers.Count == 0)
        {
            return;
        }

        foreach (var (id, address) in machine.MemberPeers)
        {
            if (id == Id || (peersGiven.TryGetValue(id, out var given) && given == address))
            {
                continue;
            }

            peersGiven[id] = address;

            // The API checks the address before proposing it; an address that does not parse came from a log this
            // node did not write and is left out rather than stopping the node.
            if (PeerAddress.TryParse(address, out var endPoint))
            {
                directory.AddPeer(id, endPoint);
            }
        }
    }

    /// <summary>The peer address the log gave for a member added at run time (<c>SiteRecordKind.MemberPeer</c>).</summary>
    public bool TryGetMemberPeer(ulong id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? address)
    {
        lock (stateLock)
        {
            return machine.MemberPeers.TryGetValue(id, out address);
        }
    }
}

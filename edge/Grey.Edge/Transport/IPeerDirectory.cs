using System.Net;

namespace Grey.Edge.Transport;

/// <summary>A transport whose peer table can grow at run time (members added through the API).</summary>
internal interface IPeerDirectory
{
    /// <summary>Adds <paramref name="peerId"/> at <paramref name="endpoint"/>; false when it is already a peer.</summary>
    bool AddPeer(ulong peerId, EndPoint? endpoint);
}

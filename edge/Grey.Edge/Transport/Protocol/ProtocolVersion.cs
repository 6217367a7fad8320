namespace Grey.Edge.Transport.Protocol;

/// <summary>
/// The versions of the Grey peer protocol. A node speaks the current version and still accepts the previous
/// one, so the members of a site can be upgraded one at a time (DESIGN §3: decoders accept the current and
/// the previous version).
/// </summary>
internal static class ProtocolVersion
{
    /// <summary>Grey protocol v2: adds the joint-consensus fields (LearnersNext, AutoLeave) to snapshot configurations.</summary>
    public const byte Current = 2;

    /// <summary>Grey protocol v1: the same frames, but a snapshot's configuration carries no LearnersNext and no AutoLeave.</summary>
    public const byte Previous = 1;

    /// <summary>True for a version this node can decode.</summary>
    public static bool IsSupported(byte version) => version is Current or Previous;

    /// <summary>The version two nodes speak on a connection: the lower of the two, when this node supports it.</summary>
    public static byte Negotiate(byte peerVersion) => Math.Min(Current, peerVersion);
}

namespace Grey.Edge.StateMachine;

/// <summary>
/// An internal log entry (Raft <c>EntryKind.Record</c>): never enters the chain or the deltas.
/// <see cref="SiteRecordKind.Epoch"/> carries the site's epoch (the first leader draws it and proposes it
/// before any data entry); <see cref="SiteRecordKind.MemberApi"/> publishes a member's API address so
/// followers know where to forward writes; <see cref="SiteRecordKind.MemberPeer"/> gives every member the peer
/// address (<see cref="PeerAddress"/>) of a node added at run time; <see cref="SiteRecordKind.RegionAck"/> records the home region's
/// verified acknowledgement (<see cref="Region"/>, <see cref="Epoch"/>, <see cref="AckIndex"/>, <see cref="ChainHash"/>).
/// </summary>
internal sealed record SiteRecord(SiteRecordKind Kind, ulong Epoch = 0, ulong NodeId = 0, string ApiAddress = "", string Region = "", ulong AckIndex = 0, byte[]? ChainHash = null, string PeerAddress = "");

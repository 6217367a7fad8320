namespace Grey.Region.Hosting;

/// <summary>
/// A site delta as a transport delivered it: the site named by its subject (or topic), the wire bytes exactly as
/// received, the committed index the site stated beside it (the <c>Grey-Committed</c> header, when present and
/// valid), and the transport's delivery token, which <see cref="IRegionTransport.SettleAsync"/> takes back once the
/// region has made the delta's outcome durable.
/// </summary>
public sealed record InboundDelta(string SubjectSite, ReadOnlyMemory<byte> Wire, ulong? ReportedCommitted, long DeliveryToken);

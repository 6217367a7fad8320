namespace Grey.Region.Ingest;

/// <summary>
/// A negative acknowledgement for <c>grey.nak.&lt;site&gt;</c>: the region lacks the site epoch's log from
/// <see cref="FirstMissingIndex"/> on, and asks the site to resend from there. It carries no authority (a
/// forged one can only make a site resend what the region drops as duplicate), so it is not signed; the
/// transport encodes it.
/// </summary>
public sealed record Nak(string Region, string Site, ulong Epoch, ulong FirstMissingIndex);

using System.Threading.Channels;

namespace Grey.Edge.Uplink;

/// <summary>
/// The link from a site's node to its home region: NATS JetStream (<c>Grey.Edge.Uplink.Nats</c>), MQTT, or a
/// failover pair of both. The outbox ships through it and reads the region's answers from <see cref="Inbound"/>.
/// Implementations reconnect by themselves and never throw for a broken link: they return
/// <see cref="UplinkPublishStatus.Unavailable"/> and report <see cref="UplinkInboundKind.LinkDown"/> /
/// <see cref="UplinkInboundKind.LinkUp"/> so the outbox resends at once when the link returns.
/// </summary>
internal interface IUplink : IAsyncDisposable
{
    /// <summary>A short name for logs and metrics ("nats", "mqtt", "failover").</summary>
    string Name { get; }

    /// <summary>True while the link to the broker is up (a hint: a publish may still fail).</summary>
    bool IsConnected { get; }

    /// <summary>
    /// Messages from the region for this site: signed acknowledgements, NAKs, revocation notices, desired-state
    /// changes, and link up/down events. Bounded (<see cref="UplinkLimits.InboundCapacity"/>): when the reader
    /// falls behind, the oldest acks and NAKs are dropped first (a later ack supersedes an earlier one, and a
    /// dropped NAK is repeated by the region), never revocations or desired changes.
    /// </summary>
    ChannelReader<UplinkInbound> Inbound { get; }

    /// <summary>
    /// Publishes one signed delta and completes when the <em>broker</em> accepted it (JetStream PubAck, MQTT
    /// PUBACK). That is not the region's acknowledgement: the outbox keeps the delta until a signed ack covers
    /// it. Never throws for link failures or timeouts (returns a status); throws only on misuse or cancellation.
    /// </summary>
    ValueTask<UplinkPublishResult> PublishDeltaAsync(OutgoingDelta delta, CancellationToken cancellationToken);

    /// <summary>Publishes the site's status report (best effort, fire and forget semantics).</summary>
    ValueTask<UplinkPublishResult> PublishReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a request to the region (enrollment, attestation) and waits at most <paramref name="timeout"/> for
    /// the reply. Never throws for link failures or timeouts.
    /// </summary>
    ValueTask<UplinkReply> RequestAsync(UplinkRequestKind kind, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>One delta to ship: the signed wire bytes and what they cover.</summary>
/// <param name="MessageId">The broker de-duplication id, <c>Delta.MessageId</c> (<c>&lt;site&gt;:&lt;epoch&gt;:&lt;a&gt;-&lt;b&gt;</c>).</param>
/// <param name="FirstIndex">First log index covered (for a checkpoint delta, the first index it folds).</param>
/// <param name="LastIndex">Last log index covered.</param>
/// <param name="Wire">The signed envelope, exactly as the region will verify it.</param>
/// <param name="CommittedIndex">The site's highest committed index when this was sent (for the region's lag figure).</param>
internal sealed record OutgoingDelta(string MessageId, ulong FirstIndex, ulong LastIndex, ReadOnlyMemory<byte> Wire, ulong CommittedIndex);

/// <summary>How a publish ended.</summary>
internal enum UplinkPublishStatus
{
    /// <summary>The broker stored it.</summary>
    Accepted,

    /// <summary>The broker already had a message with this id (it counts as stored).</summary>
    Duplicate,

    /// <summary>No link, or the broker did not answer in time: try again later.</summary>
    Unavailable,

    /// <summary>The broker refused it for good (permissions, no stream, too large): retrying the same bytes will not help.</summary>
    Rejected,
}

/// <summary>The outcome of a publish, with the broker's reason when it was not accepted.</summary>
internal readonly record struct UplinkPublishResult(UplinkPublishStatus Status, string? Detail = null)
{
    /// <summary>True when the broker holds the message.</summary>
    public bool Stored => Status is UplinkPublishStatus.Accepted or UplinkPublishStatus.Duplicate;
}

/// <summary>Request subjects/topics towards the region.</summary>
internal enum UplinkRequestKind
{
    /// <summary><c>grey.enroll.&lt;site&gt;</c> (MQTT <c>grey/enroll/&lt;site&gt;</c>).</summary>
    Enroll,

    /// <summary><c>grey.attest.&lt;site&gt;</c> (MQTT <c>grey/attest/&lt;site&gt;</c>).</summary>
    Attest,
}

/// <summary>A reply, or why there is none (<see cref="Payload"/> is null then).</summary>
internal readonly record struct UplinkReply(ReadOnlyMemory<byte>? Payload, string? Error);

/// <summary>What arrived from the region.</summary>
internal enum UplinkInboundKind
{
    /// <summary>A signed region acknowledgement (<c>grey.ack.&lt;site&gt;</c>).</summary>
    Ack,

    /// <summary>A NAK (<c>grey.nak.&lt;site&gt;</c>, <c>Grey.Federation.Messages.SiteNak</c>).</summary>
    Nak,

    /// <summary>A signed revocation notice (<c>grey.revoke.&lt;site&gt;</c>).</summary>
    Revoke,

    /// <summary>A signed desired-state change (<c>grey.desired.&lt;site&gt;</c>, issue 7).</summary>
    Desired,

    /// <summary>The link came up (first connect or reconnect): resend at once.</summary>
    LinkUp,

    /// <summary>The link went down.</summary>
    LinkDown,
}

/// <summary>One inbound message; <see cref="Payload"/> is empty for link events.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Payload">The bytes exactly as received (verify before trusting).</param>
/// <param name="Via">The uplink it came through ("nats", "mqtt").</param>
/// <param name="Settle">For messages the broker redelivers until settled (desired changes on JetStream or MQTT
/// QoS 1), call this once the message is durably handled; null otherwise.</param>
internal sealed record UplinkInbound(UplinkInboundKind Kind, ReadOnlyMemory<byte> Payload, string Via, Func<ValueTask>? Settle = null);

/// <summary>Named limits shared by every uplink.</summary>
internal static class UplinkLimits
{
    /// <summary>Inbound messages buffered for the outbox.</summary>
    public const int InboundCapacity = 1024;

    /// <summary>Largest inbound message accepted (a signed ack, NAK, notice or desired change is far smaller).</summary>
    public const int MaxInboundBytes = 1024 * 1024;
}

namespace Grey.Ctl.Fleet;

/// <summary>
/// Watches the site deltas on the fleet's broker and publishes copies next to them: exact duplicates (the duplicate
/// chaos), a byte changed (tamper) or signed again with an unenrolled key (forge). A copy carries a fresh message id
/// so the broker's own de-duplication (JetStream's <c>Nats-Msg-Id</c> window) does not hide it from the region.
/// </summary>
internal interface IDeltaTap : IAsyncDisposable
{
    /// <summary>Deltas seen so far.</summary>
    long Seen { get; }

    /// <summary>The latest delta seen from <paramref name="site"/>, or null.</summary>
    CapturedDelta? Latest(string site);

    /// <summary>Publishes <paramref name="wire"/> as a delta of the captured one's site, with the message id <paramref name="messageId"/>.</summary>
    Task PublishAsync(CapturedDelta like, ReadOnlyMemory<byte> wire, string messageId, CancellationToken cancellationToken);
}

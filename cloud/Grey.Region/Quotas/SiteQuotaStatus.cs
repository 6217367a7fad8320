namespace Grey.Region.Quotas;

/// <summary>
/// One metered site as the API and the metrics show it: its quota, whether it is throttled now (in debt, or an
/// acknowledgement held), the acknowledgements delayed so far, the total time acknowledgements were held, and the
/// merged index of the acknowledgement held now (null when none).
/// </summary>
public sealed record SiteQuotaStatus(
    string Site,
    SiteQuota Quota,
    bool Throttled,
    long AcksDelayed,
    double DelaySecondsTotal,
    ulong? HeldAckIndex,
    TimeSpan DelayRemaining);

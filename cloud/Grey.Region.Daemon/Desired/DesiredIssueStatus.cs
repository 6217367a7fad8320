namespace Grey.Region.Daemon.Desired;

/// <summary>How a request to issue a desired-state change ended.</summary>
internal enum DesiredIssueStatus
{
    /// <summary>Issued: journaled (fsynced), in the ledger, queued for the site.</summary>
    Issued = 0,

    /// <summary>Refused: the region holds <see cref="Grey.Region.Desired.DesiredOptions.MaxIssuedChanges"/> changes already.</summary>
    Full = 1,

    /// <summary>Refused: an earlier journal write failed, so the journal's tail is uncertain until the region restarts.</summary>
    Faulted = 2,
}

using Grey.Federation.Messages;

namespace Grey.Region.Daemon.Desired;

/// <summary>The outcome of <see cref="DesiredService.Issue"/>: the change when issued, else why not.</summary>
internal sealed record DesiredIssueResult(DesiredIssueStatus Status, DesiredChange? Change, string Detail);

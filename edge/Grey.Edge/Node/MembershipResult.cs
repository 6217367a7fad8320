namespace Grey.Edge.Node;

/// <summary>The outcome of a membership change or a leadership transfer.</summary>
internal readonly record struct MembershipResult(ProposalStatus Status, ulong LeaderId, string? Error = null);

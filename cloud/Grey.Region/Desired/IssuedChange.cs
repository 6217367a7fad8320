using Grey.Federation.Messages;

namespace Grey.Region.Desired;

/// <summary>A change this region issued, and whether its site has applied it (the site's applied mark reached it).</summary>
internal sealed record IssuedChange(DesiredChange Change, bool Applied);

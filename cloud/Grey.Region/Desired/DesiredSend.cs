namespace Grey.Region.Desired;

/// <summary>One signed change to publish to <see cref="Site"/>; <see cref="Resend"/> when it went out before.</summary>
internal sealed record DesiredSend(string Site, ulong Sequence, byte[] Signed, bool Resend);

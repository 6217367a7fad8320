namespace Grey.Edge.Transport.Protocol;

/// <summary>A decode failure: a reason code and a precise description (what, where, which limit).</summary>
internal sealed record DecodeError(DecodeErrorCode Code, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Detail}";
}

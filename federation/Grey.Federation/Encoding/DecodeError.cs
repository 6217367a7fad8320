namespace Grey.Federation.Encoding;

/// <summary>A decoder's refusal: a reason code and a precise message.</summary>
public sealed record DecodeError(DecodeErrorCode Code, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message}";
}

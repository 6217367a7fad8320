namespace Grey.Federation.Encoding;

/// <summary>Why a decoder refused its input.</summary>
public enum DecodeErrorCode
{
    /// <summary>The bytes do not follow the format (bad CBOR, wrong types, missing or extra fields, not canonical).</summary>
    Malformed = 1,

    /// <summary>A size or count is beyond <see cref="FederationLimits"/>.</summary>
    TooLarge = 2,

    /// <summary>The format version is neither the current nor the previous one.</summary>
    UnsupportedVersion = 3,

    /// <summary>The message is well formed but of another type than the one asked for.</summary>
    WrongMessageType = 4,
}

namespace Grey.Federation.Encoding;

/// <summary>
/// Thrown inside decoders only, and always caught at their public entry point, where it becomes a
/// <see cref="DecodeError"/>. Unwinding is the simplest way out of a nested structure.
/// </summary>
internal sealed class FormatDecodeException(DecodeErrorCode code, string message) : Exception(message)
{
    public DecodeErrorCode Code { get; } = code;

    public static FormatDecodeException Malformed(string message) => new(DecodeErrorCode.Malformed, message);

    public static FormatDecodeException TooLarge(string message) => new(DecodeErrorCode.TooLarge, message);
}

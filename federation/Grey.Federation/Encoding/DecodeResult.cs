using System.Diagnostics.CodeAnalysis;

namespace Grey.Federation.Encoding;

/// <summary>The result of decoding untrusted bytes: a value, or the error that refused them. Decoders never throw for bad input.</summary>
public readonly struct DecodeResult<T>
    where T : class
{
    private DecodeResult(T? value, DecodeError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The decoded value, when decoding succeeded.</summary>
    public T? Value { get; }

    /// <summary>The error, when decoding failed.</summary>
    public DecodeError? Error { get; }

    /// <summary>Whether decoding succeeded.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Value is not null;

    /// <summary>A success.</summary>
    public static DecodeResult<T> Success(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    /// <summary>A failure.</summary>
    public static DecodeResult<T> Failure(DecodeError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));
}

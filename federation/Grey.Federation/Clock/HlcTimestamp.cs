using System.Globalization;

namespace Grey.Federation.Clock;

/// <summary>
/// A hybrid logical clock stamp (Kulkarni et al., 2014): <see cref="WallMs"/> is the largest physical time
/// seen, in milliseconds since the Unix epoch, and <see cref="Logical"/> orders events within one such
/// millisecond. Stamps compare by wall time, then by the logical part.
/// </summary>
public readonly record struct HlcTimestamp(long WallMs, int Logical) : IComparable<HlcTimestamp>
{
    /// <summary>Largest logical part. On overflow the clock moves its wall part one millisecond ahead instead.</summary>
    public const int MaxLogical = ushort.MaxValue;

    /// <summary>Largest wall part: 2^48 - 1 milliseconds, about the year 10889.</summary>
    public const long MaxWallMs = (1L << 48) - 1;

    /// <summary>The zero stamp, below every stamp a clock issues.</summary>
    public static HlcTimestamp Zero => default;

    /// <summary>Whether both parts are within their bounds.</summary>
    public bool IsValid => WallMs is >= 0 and <= MaxWallMs && Logical is >= 0 and <= MaxLogical;

    /// <inheritdoc />
    public int CompareTo(HlcTimestamp other)
    {
        int c = WallMs.CompareTo(other.WallMs);
        return c != 0 ? c : Logical.CompareTo(other.Logical);
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a part is out of bounds.</summary>
    public HlcTimestamp Validated(string paramName)
    {
        if (!IsValid)
        {
            throw new ArgumentOutOfRangeException(paramName, this, "HLC stamp out of range");
        }

        return this;
    }

    public static bool operator <(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) < 0;

    public static bool operator >(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) > 0;

    public static bool operator <=(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) <= 0;

    public static bool operator >=(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) >= 0;

    /// <summary>The larger of two stamps.</summary>
    public static HlcTimestamp Max(HlcTimestamp a, HlcTimestamp b) => a >= b ? a : b;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{WallMs}.{Logical}");
}

namespace Grey.Federation.Encoding;

/// <summary>
/// Format versions. Decoders accept the current and the previous version, so sites and regions can be
/// upgraded one at a time; encoders write the current one unless asked for the previous.
/// Version 1 deltas lack the HLC range (fields 9 and 10), which decoders then compute from the content.
/// </summary>
public static class FormatVersion
{
    /// <summary>The version encoders write.</summary>
    public const int Current = 2;

    /// <summary>The previous version, still accepted.</summary>
    public const int Previous = 1;

    /// <summary>Whether a decoder accepts <paramref name="version"/>.</summary>
    public static bool IsSupported(ulong version) => version is Current or Previous;
}

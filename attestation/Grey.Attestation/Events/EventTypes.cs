namespace Grey.Attestation.Events;

/// <summary>
/// Event types. The TCG values (EV_*) come from the TCG PC Client Platform Firmware Profile; the Grey
/// values name what a Grey node measures at start and sit in a range the TCG does not assign.
/// </summary>
public static class EventTypes
{
    public const uint EvNoAction = 0x00000003;
    public const uint EvSeparator = 0x00000004;
    public const uint EvAction = 0x00000005;
    public const uint EvIpl = 0x0000000D;

    /// <summary>A binary the node runs; digest = H(file bytes), data = its name (UTF-8).</summary>
    public const uint GreyBinary = 0x47520001;

    /// <summary>A configuration file; digest = H(file bytes), data = its name.</summary>
    public const uint GreyConfig = 0x47520002;

    /// <summary>A policy file; digest = H(file bytes), data = its name.</summary>
    public const uint GreyPolicy = 0x47520003;

    /// <summary>The delta-signing key binding; digest = H(SubjectPublicKeyInfo DER), data = that DER.</summary>
    public const uint GreyKeyBinding = 0x47520010;

    public static string Name(uint type) => type switch
    {
        EvNoAction => "EV_NO_ACTION",
        EvSeparator => "EV_SEPARATOR",
        EvAction => "EV_ACTION",
        EvIpl => "EV_IPL",
        GreyBinary => "GREY_BINARY",
        GreyConfig => "GREY_CONFIG",
        GreyPolicy => "GREY_POLICY",
        GreyKeyBinding => "GREY_KEY_BINDING",
        _ => $"0x{type:x8}",
    };

    public static bool TryParse(string name, out uint type)
    {
        type = name switch
        {
            "EV_NO_ACTION" => EvNoAction,
            "EV_SEPARATOR" => EvSeparator,
            "EV_ACTION" => EvAction,
            "EV_IPL" => EvIpl,
            "GREY_BINARY" => GreyBinary,
            "GREY_CONFIG" => GreyConfig,
            "GREY_POLICY" => GreyPolicy,
            "GREY_KEY_BINDING" => GreyKeyBinding,
            _ => 0,
        };
        return type != 0;
    }
}

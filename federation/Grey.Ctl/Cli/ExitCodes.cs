namespace Grey.Ctl.Cli;

/// <summary>
/// Exit codes shared by every verb, so that scripts and CI can tell a failed check from a typo.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The verb did what was asked and every check held.</summary>
    public const int Ok = 0;

    /// <summary>The verb ran, but a check it performs failed (a violation, a rejection, a loss).</summary>
    public const int CheckFailed = 1;

    /// <summary>The input or the usage was wrong; a message says what.</summary>
    public const int BadInput = 2;
}

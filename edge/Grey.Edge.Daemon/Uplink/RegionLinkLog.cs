using Microsoft.Extensions.Logging;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>The region link's log messages (source-generated, stable event ids; never a token or password).</summary>
internal static partial class RegionLinkLog
{
    [LoggerMessage(EventId = 6200, Level = LogLevel.Information, Message = "site {Site}: uplink to region {Region} via {Servers}, TPM {Tpm}")]
    public static partial void Started(ILogger logger, string site, string region, string servers, string tpm);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "site {Site}: {Result}; attestation valid until {Expires}")]
    public static partial void Attested(ILogger logger, string site, string result, string expires);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "site {Site}: enrollment or attestation failed: {Error}")]
    public static partial void AttestFailed(ILogger logger, string site, string error);
}

using System.Globalization;
using System.Net;

namespace Grey.Edge.Devices;

/// <summary>
/// The local MQTT listener for devices. Immutable, with documented defaults; <see cref="Validate"/> lists every
/// problem at once. At least one way to authenticate devices is required: a users file, or a CA for client
/// certificates (with a server certificate, i.e. TLS).
/// </summary>
internal sealed record DeviceListenerOptions
{
    /// <summary>Largest payload (value) of one device message: the edge API's value limit, 64 KiB.</summary>
    public const int MaxPayloadBytesLimit = Grey.Federation.FederationLimits.MaxValueBytes;

    /// <summary><c>HOST:PORT</c> to listen on (an IP address, <c>localhost</c>, or <c>*</c> for every interface).</summary>
    public required string Endpoint { get; init; }

    /// <summary>The device users file (<see cref="DeviceUsers"/>); null: no password logins.</summary>
    public string? UsersFile { get; init; }

    /// <summary>The listener's TLS certificate: a PEM file with certificate and key, or a PKCS#12 file; null: plain TCP.</summary>
    public string? ServerCertificateFile { get; init; }

    /// <summary>
    /// A PEM CA bundle: a device presenting a client certificate that chains to it logs in as the certificate's
    /// common name (needs <see cref="ServerCertificateFile"/>). Without a users file, a certificate is required.
    /// </summary>
    public string? ClientCaFile { get; init; }

    /// <summary>Largest payload accepted (default and maximum <see cref="MaxPayloadBytesLimit"/>).</summary>
    public int MaxPayloadBytes { get; init; } = MaxPayloadBytesLimit;

    /// <summary>Devices connected at once (default 256); one more is refused with CONNACK "server busy".</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>
    /// Writes proposed at once across all devices (default 64). Each device has at most one write in flight anyway:
    /// MQTTnet handles one connection's PUBLISH packets one after the other, and the PUBACK waits for the commit.
    /// </summary>
    public int MaxConcurrentWrites { get; init; } = 64;

    /// <summary>How long one write may take before the device is told to retry (default 10 s).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the listener waits on a silent device during CONNECT and packet reads (default 10 s).</summary>
    public TimeSpan CommunicationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Lists every problem; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ParseEndpoint(Endpoint, out var error) is null)
        {
            errors.Add(error!);
        }

        if (UsersFile is null && ClientCaFile is null)
        {
            errors.Add("devices need a users file or a client CA (anonymous devices are not allowed)");
        }

        if (ClientCaFile is not null && ServerCertificateFile is null)
        {
            errors.Add("client certificates need TLS: give a server certificate file too");
        }

        foreach (var (path, what) in new[] { (UsersFile, "device users file"), (ServerCertificateFile, "server certificate file"), (ClientCaFile, "client CA file") })
        {
            if (path is not null && !File.Exists(path))
            {
                errors.Add($"{what} '{path}' does not exist");
            }
        }

        if (MaxPayloadBytes is < 1 or > MaxPayloadBytesLimit)
        {
            errors.Add($"MaxPayloadBytes must be 1-{MaxPayloadBytesLimit}");
        }

        if (MaxConnections is < 1 or > 65_536)
        {
            errors.Add("MaxConnections must be 1-65536");
        }

        if (MaxConcurrentWrites is < 1 or > 4096)
        {
            errors.Add("MaxConcurrentWrites must be 1-4096");
        }

        if (WriteTimeout <= TimeSpan.Zero || WriteTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add("WriteTimeout must be positive and at most 5 minutes");
        }

        if (CommunicationTimeout < TimeSpan.FromSeconds(1) || CommunicationTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add("CommunicationTimeout must be 1 s to 5 minutes");
        }

        return errors;
    }

    /// <summary>Parses <c>HOST:PORT</c>; returns null and why not when it is not a listen address.</summary>
    public static IPEndPoint? ParseEndpoint(string? endpoint, out string? error)
    {
        error = null;
        var colon = endpoint?.LastIndexOf(':') ?? -1;
        if (endpoint is null || colon <= 0 ||
            !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"device listener '{endpoint}' must be HOST:PORT with a port 1-65535";
            return null;
        }

        var host = endpoint[..colon].Trim('[', ']');
        IPAddress? address = host switch
        {
            "*" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : null,
        };
        if (address is null)
        {
            error = $"device listener host '{host}' must be an IP address, localhost or *";
            return null;
        }

        return new IPEndPoint(address, port);
    }
}

using Grey.Edge.Devices;

namespace Grey.Edge.Daemon.Config;

/// <summary>
/// The local device listener's flags (issue 7): <c>--device-mqtt HOST:PORT</c> with <c>--device-users FILE</c>
/// and/or client certificates (<c>--device-cert F --device-ca F</c>). Independent of <c>--region</c>. Every
/// problem goes to the error list; the users file is only checked to exist here (its lines are checked, with
/// their line numbers and never their hashes, when the listener starts).
/// </summary>
internal static class DeviceListenerFlags
{
    /// <summary>Every device key besides <c>device-mqtt</c> itself.</summary>
    public static readonly string[] DependentKeys = ["device-users", "device-cert", "device-ca"];

    /// <summary>Reads and validates the device flags into <paramref name="o"/>.</summary>
    public static DaemonOptions Apply(DaemonOptions o, IReadOnlyDictionary<string, string> v, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(errors);
        var endpoint = v.GetValueOrDefault("device-mqtt");
        if (endpoint is null)
        {
            foreach (var dependent in DependentKeys)
            {
                if (v.ContainsKey(dependent))
                {
                    errors.Add($"--{dependent} needs --device-mqtt");
                }
            }

            return o;
        }

        // DeviceListenerOptions.ParseEndpoint is a plain parser; it loads no MQTTnet code.
        if (DeviceListenerOptions.ParseEndpoint(endpoint, out var endpointError) is null)
        {
            errors.Add("--device-mqtt: " + endpointError);
        }

        var users = v.GetValueOrDefault("device-users");
        var cert = v.GetValueOrDefault("device-cert");
        var ca = v.GetValueOrDefault("device-ca");
        if (users is null && ca is null)
        {
            errors.Add("--device-mqtt needs --device-users FILE or --device-ca FILE (anonymous devices are not allowed)");
        }

        if (ca is not null && cert is null)
        {
            errors.Add("--device-ca needs --device-cert (client certificates need TLS on the listener)");
        }

        foreach (var (flag, file) in new[] { ("device-users", users), ("device-cert", cert), ("device-ca", ca) })
        {
            if (file is not null && !File.Exists(file))
            {
                errors.Add($"--{flag} file '{file}' does not exist");
            }
        }

        return o with { DeviceMqtt = endpoint, DeviceUsersFile = users, DeviceCertFile = cert, DeviceCaFile = ca };
    }
}

namespace Grey.Region.Daemon.Mqtt;

/// <summary>What an incoming topic is.</summary>
internal enum MqttInboundTopic
{
    /// <summary><c>grey/delta/&lt;region&gt;/&lt;site&gt;</c>.</summary>
    Delta = 0,

    /// <summary><c>grey/status/&lt;region&gt;/&lt;site&gt;</c>.</summary>
    Status = 1,

    /// <summary><c>grey/enroll/&lt;site&gt;</c>.</summary>
    Enroll = 2,

    /// <summary><c>grey/attest/&lt;site&gt;</c>.</summary>
    Attest = 3,

    /// <summary><c>grey/region/&lt;peer&gt;</c>.</summary>
    RegionDelta = 4,
}

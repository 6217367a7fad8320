namespace Grey.Region.Daemon.Desired;

/// <summary>What desired-state delivery hears from the ingest loop (<see cref="DesiredObservingTransport"/>).</summary>
internal interface IDesiredSiteObserver
{
    /// <summary>A status report of <paramref name="site"/> arrived: the site is online.</summary>
    void SiteReported(string site);

    /// <summary>A delta of <paramref name="site"/> was made durable and settled: the site's applied mark may have moved.</summary>
    void DeltaSettled(string site);
}

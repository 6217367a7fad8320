using Grey.Simulation.Fleet;

namespace Grey.Simulation.Tests.Fleet;

public sealed class ChaosClassesTests
{
    [Fact]
    public void TryParse_EveryIssueName_RoundTripsThroughFormat()
    {
        string all = "uplink-outage,broker-restart,node-crash,duplicate,tamper,forge,revoke,region-restart,clock-skew";
        Assert.True(ChaosClasses.TryParse(all, out var chaos, out string error), error);
        Assert.Equal(ChaosClass.All, chaos);
        foreach ((ChaosClass c, string name) in ChaosClasses.Names)
        {
            Assert.True(ChaosClasses.TryParse(name, out var one, out _));
            Assert.Equal(c, one);
            Assert.Equal(name, ChaosClasses.Format(one));
            Assert.Equal(name, ChaosClasses.NameOf(c));
        }
    }

    [Theory]
    [InlineData("all", (int)ChaosClass.All)]
    [InlineData("none", 0)]
    [InlineData(" Tamper , FORGE ", (int)(ChaosClass.Tamper | ChaosClass.Forge))]
    [InlineData("none,duplicate", (int)ChaosClass.Duplicate)]
    public void TryParse_Forms_Accepted(string text, int expected)
    {
        Assert.True(ChaosClasses.TryParse(text, out var chaos, out string error), error);
        Assert.Equal(expected, (int)chaos);
    }

    [Fact]
    public void TryParse_UnknownNames_AllListedInOneError()
    {
        Assert.False(ChaosClasses.TryParse("tamper,meteor,,flood", out _, out string error));
        Assert.Contains("'meteor'", error, StringComparison.Ordinal);
        Assert.Contains("'flood'", error, StringComparison.Ordinal);
        Assert.Contains("(empty)", error, StringComparison.Ordinal);
        Assert.Contains("uplink-outage", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void TryParse_Empty_Refused(string? text)
    {
        Assert.False(ChaosClasses.TryParse(text, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void TryParse_Huge_RefusedWithoutEchoingIt()
    {
        string text = new('x', ChaosClasses.MaxTextLength + 1);
        Assert.False(ChaosClasses.TryParse(text, out _, out string error));
        Assert.True(error.Length < 200, error);
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        var rng = new Random(8);
        for (int i = 0; i < 2000; i++)
        {
            var chars = new char[rng.Next(0, 40)];
            for (int k = 0; k < chars.Length; k++)
            {
                chars[k] = (char)rng.Next(0, 128);
            }

            ChaosClasses.TryParse(new string(chars), out _, out _);
        }
    }

    [Fact]
    public void Format_NoneAndAll()
    {
        Assert.Equal("none", ChaosClasses.Format(ChaosClass.None));
        Assert.Equal("all", ChaosClasses.Format(ChaosClass.All));
        Assert.Equal("duplicate,tamper", ChaosClasses.Format(ChaosClass.Tamper | ChaosClass.Duplicate));
    }
}

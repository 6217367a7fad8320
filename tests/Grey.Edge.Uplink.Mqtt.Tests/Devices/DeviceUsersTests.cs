using System.Security.Cryptography;
using System.Text;
using Grey.Edge.Devices;

namespace Grey.Edge.Uplink.Mqtt.Tests.Devices;

public sealed class DeviceUsersTests
{
    [Fact]
    public void Verify_HashLineRoundTrip_RightPasswordOnly()
    {
        using var rng = RandomNumberGenerator.Create();
        var users = DeviceUsers.Parse(DeviceUsers.HashLine("pump-3", "s3cret", rng, DeviceUsers.MinIterations) + "\n", out var errors);

        Assert.Empty(errors);
        Assert.True(users!.Verify("pump-3", "s3cret"u8));
        Assert.False(users.Verify("pump-3", "s3cret!"u8));
        Assert.False(users.Verify("pump-4", "s3cret"u8));
        Assert.False(users.Verify(null, "s3cret"u8));
    }

    [Fact]
    public async Task Parse_LineFromDeployScript_VerifiesTheSamePassword()
    {
        var info = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "deploy-mqtt", "device-user.py"));
        info.StandardInputEncoding = new UTF8Encoding(false);
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.ArgumentList.Add("press-4");
        info.ArgumentList.Add("1000");
        using var script = System.Diagnostics.Process.Start(info)!;
        await script.StandardInput.WriteLineAsync("p\u00e4ss word");
        script.StandardInput.Close();
        var line = await script.StandardOutput.ReadToEndAsync();
        await script.WaitForExitAsync();

        var users = DeviceUsers.Parse(line, out var errors);

        Assert.True(script.ExitCode == 0, await script.StandardError.ReadToEndAsync());
        Assert.Empty(errors);
        Assert.True(users!.Verify("press-4", Encoding.UTF8.GetBytes("p\u00e4ss word")));
        Assert.False(users.Verify("press-4", "pass word"u8));
    }

    [Fact]
    public void HashLine_SamePasswordTwice_DifferentSalts()
    {
        using var rng = RandomNumberGenerator.Create();

        Assert.NotEqual(DeviceUsers.HashLine("a", "p", rng, DeviceUsers.MinIterations), DeviceUsers.HashLine("a", "p", rng, DeviceUsers.MinIterations));
    }

    [Fact]
    public void Parse_BadLines_EveryProblemWithItsLineNumberAndNoHashEchoed()
    {
        var text = string.Join('\n',
            "# comment",
            "",
            "bad name:pbkdf2-sha256$1000$AAAAAAAAAAA=$" + new string('A', 43) + "=",
            "nohash",
            "low:pbkdf2-sha256$10$AAAAAAAAAAA=$" + Convert.ToBase64String(new byte[32]),
            "dup:pbkdf2-sha256$1000$AAAAAAAAAAA=$" + Convert.ToBase64String(new byte[32]),
            "dup:pbkdf2-sha256$1000$AAAAAAAAAAA=$" + Convert.ToBase64String(new byte[32]),
            "md5:md5$1000$AAAAAAAAAAA=$" + Convert.ToBase64String(new byte[32]));

        Assert.Null(DeviceUsers.Parse(text, out var errors));

        Assert.Equal(new[] { 3, 4, 5, 7, 8 }, errors.Select(e => int.Parse(e.Split(':')[0]["line ".Length..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.DoesNotContain(errors, e => e.Contains("AAAAAAAAAAA=", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RandomInput_NeverThrows()
    {
        const int seed = 20261126;
        Console.WriteLine($"DeviceUsers fuzz seed {seed}");
        var random = new Random(seed);
        var alphabet = "ab-_.:$=+/#\n\r pbkdf2-sha256AAAA0123456789\u00e9\0";
        var valid = DeviceUsers.HashLine("x", "y", RandomNumberGenerator.Create(), DeviceUsers.MinIterations);
        for (var i = 0; i < 3000; i++)
        {
            string text;
            if (i % 2 == 0)
            {
                var chars = new char[random.Next(0, 200)];
                for (var j = 0; j < chars.Length; j++)
                {
                    chars[j] = alphabet[random.Next(alphabet.Length)];
                }

                text = new string(chars);
            }
            else
            {
                // Mutate a valid line: flip, drop or duplicate characters.
                var builder = new StringBuilder(valid);
                for (var m = random.Next(1, 4); m > 0 && builder.Length > 0; m--)
                {
                    var at = random.Next(builder.Length);
                    switch (random.Next(3))
                    {
                        case 0: builder[at] = alphabet[random.Next(alphabet.Length)]; break;
                        case 1: builder.Remove(at, 1); break;
                        default: builder.Insert(at, builder[at]); break;
                    }
                }

                text = builder.ToString();
            }

            var users = DeviceUsers.Parse(text, out var errors);
            Assert.True(users is null ? errors.Count > 0 : errors.Count == 0, $"seed {seed}, case {i}");
            users?.Verify("x", "y"u8);
        }
    }
}

using Akka.Configuration;
using Akka.Hosting;
using LockActors.Configuration;
using LockActors.Hosting;
using LockActors.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace LockActors.Tests.Hosting;

/// <summary>
/// Configuration precedence with Akka.Hosting, over every order of <c>AddHocon(Prepend)</c>, <c>AddHocon(Append)</c>
/// and <c>WithLockActors</c> (options given in code or through an <c>IConfiguration</c> section). reference.conf is only
/// a fallback: whatever the user sets is in effect, and a configured <c>stores.file.root</c> is always enforced.
/// </summary>
public sealed class PrecedenceMatrixTests(ITestOutputHelper output)
{
    /// <summary>Sets default-ttl (its own key), max-waiters-per-target (shared) and the file root.</summary>
    private const string Prepended = nameof(Prepended);

    /// <summary>Sets poll-interval (its own key), max-waiters-per-target (shared) and the file root.</summary>
    private const string Appended = nameof(Appended);

    /// <summary>WithLockActors: sets passivate-after (its own key) and max-waiters-per-target (shared).</summary>
    private const string WithLockActors = nameof(WithLockActors);

    private const int PrependedWaiters = 111;
    private const int AppendedWaiters = 222;
    private const int OptionsWaiters = 333;

    public static TheoryData<string, bool> Orders()
    {
        var data = new TheoryData<string, bool>();
        string[][] orders =
        [
            [Prepended, Appended, WithLockActors],
            [Prepended, WithLockActors, Appended],
            [Appended, Prepended, WithLockActors],
            [Appended, WithLockActors, Prepended],
            [WithLockActors, Prepended, Appended],
            [WithLockActors, Appended, Prepended],
            [Prepended, WithLockActors],
            [WithLockActors, Prepended],
            [Appended, WithLockActors],
            [WithLockActors, Appended],
        ];
        foreach (var order in orders)
        {
            data.Add(string.Join(",", order), false);
            data.Add(string.Join(",", order), true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task The_users_settings_win_over_the_defaults_and_the_file_root_is_enforced(string order, bool optionsFromConfiguration)
    {
        var steps = order.Split(',');
        var root = Directory.CreateTempSubdirectory("precedence-root-");
        var outside = Directory.CreateTempSubdirectory("precedence-outside-");
        var userHocon = $"lock-actors.stores.file.root = \"{root.FullName}\"\n";
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["LockActors:PassivateAfter"] = "3s",
                ["LockActors:MaxWaitersPerTarget"] = OptionsWaiters.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }))
            .ConfigureServices((context, services) => services.AddAkka("precedence", builder =>
            {
                foreach (var step in steps)
                {
                    _ = step switch
                    {
                        Prepended => builder.AddHocon(userHocon + $"lock-actors {{ default-ttl = 11s, max-waiters-per-target = {PrependedWaiters} }}", HoconAddMode.Prepend),
                        Appended => builder.AddHocon(userHocon + $"lock-actors {{ poll-interval = 150ms, max-waiters-per-target = {AppendedWaiters} }}", HoconAddMode.Append),
                        _ when optionsFromConfiguration => builder.WithLockActors(context.Configuration.GetSection("LockActors")),
                        _ => builder.WithLockActors(options =>
                        {
                            options.PassivateAfter = TimeSpan.FromSeconds(3);
                            options.MaxWaitersPerTarget = OptionsWaiters;
                        }),
                    };
                }
            }))
            .Build();
        await host.StartAsync();
        try
        {
            var locks = LockActorsExtension.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>());
            var settings = locks.Settings;
            var defaults = LockActorsSettings.Default;
            output.WriteLine($"{order} ({(optionsFromConfiguration ? "IConfiguration" : "options")}): default-ttl {settings.DefaultTtl}, poll-interval {settings.PollInterval}, passivate-after {settings.PassivateAfter}, max-waiters-per-target {settings.MaxWaitersPerTarget}");

            Assert.Equal(steps.Contains(Prepended) ? TimeSpan.FromSeconds(11) : defaults.DefaultTtl, settings.DefaultTtl);
            Assert.Equal(steps.Contains(Appended) ? TimeSpan.FromMilliseconds(150) : defaults.PollInterval, settings.PollInterval);
            Assert.Equal(TimeSpan.FromSeconds(3), settings.PassivateAfter);
            Assert.Equal(ExpectedWaiters(steps), settings.MaxWaitersPerTarget);

            // The root is enforced whichever HOCON carried it: a target outside it is refused, never granted.
            await Assert.ThrowsAsync<InvalidLockTargetException>(() => locks.Client.AcquireAsync(new Uri(Path.Combine(outside.FullName, "a.csv")).AbsoluteUri));
            Assert.Empty(outside.GetFiles());
            await using var inside = await locks.Client.AcquireAsync(new Uri(Path.Combine(root.FullName, "a.csv")).AbsoluteUri);
        }
        finally
        {
            await host.StopAsync();
            root.Delete(true);
            outside.Delete(true);
        }
    }

    /// <summary>
    /// The documented rule for a key set in both: WithLockActors prepends its keys where it is called, so it wins over
    /// Append HOCON and over Prepend HOCON added before it; Prepend HOCON added after it wins.
    /// </summary>
    private static int ExpectedWaiters(string[] steps)
    {
        var withLockActors = Array.IndexOf(steps, WithLockActors);
        var prepended = Array.IndexOf(steps, Prepended);
        return prepended > withLockActors ? PrependedWaiters : OptionsWaiters;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_root_given_through_WithLockActors_survives_hocon_added_later(bool fromConfiguration)
    {
        var root = Directory.CreateTempSubdirectory("precedence-root-");
        var outside = Directory.CreateTempSubdirectory("precedence-outside-");
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["LockActors:Stores:File:Root"] = root.FullName }))
            .ConfigureServices((context, services) => services.AddAkka("precedence", builder =>
            {
                if (fromConfiguration)
                {
                    builder.WithLockActors(context.Configuration.GetSection("LockActors"));
                }
                else
                {
                    builder.WithLockActors(options => options.Stores.Add(new FileStoreOptions { Root = root.FullName }));
                }

                builder.AddHocon("lock-actors.default-ttl = 12s", HoconAddMode.Append);
                builder.AddHocon("lock-actors.acquire-timeout = 1s", HoconAddMode.Prepend);
            }))
            .Build();
        await host.StartAsync();
        try
        {
            var locks = LockActorsExtension.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>());
            Assert.Equal(TimeSpan.FromSeconds(12), locks.Settings.DefaultTtl);
            Assert.Equal(TimeSpan.FromSeconds(1), locks.Settings.AcquireTimeout);
            await Assert.ThrowsAsync<InvalidLockTargetException>(() => locks.Client.AcquireAsync(new Uri(Path.Combine(outside.FullName, "a.csv")).AbsoluteUri));
            Assert.Empty(outside.GetFiles());
        }
        finally
        {
            await host.StopAsync();
            root.Delete(true);
            outside.Delete(true);
        }
    }

    [Fact]
    public async Task Options_win_over_the_IConfiguration_section_they_are_given_with()
    {
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["LockActors:DefaultTtl"] = "40s",
                ["LockActors:AcquireTimeout"] = "7s",
                ["LockActors:Stores:Mem:Scope"] = "system",
            }))
            .ConfigureServices((context, services) => services.AddAkka("precedence", builder =>
                builder.WithLockActors(context.Configuration.GetSection("LockActors"), options => options.AcquireTimeout = TimeSpan.FromSeconds(2))))
            .Build();
        await host.StartAsync();
        try
        {
            var settings = LockActorsExtension.Get(host.Services.GetRequiredService<Akka.Actor.ActorSystem>()).Settings;
            Assert.Equal(TimeSpan.FromSeconds(40), settings.DefaultTtl);
            Assert.Equal(TimeSpan.FromSeconds(2), settings.AcquireTimeout);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

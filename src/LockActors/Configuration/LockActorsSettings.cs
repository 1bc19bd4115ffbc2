using Akka.Configuration;
using LockActors.Messages;

namespace LockActors.Configuration;

/// <summary>
/// Immutable settings read from <c>lock-actors { }</c> (see the embedded <c>reference.conf</c> for every key and
/// default). <see cref="Create(Config)"/> validates them and throws <see cref="LockConfigurationException"/> whose
/// message starts with the full key (for example <c>lock-actors.default-ttl</c>); a key the library does not read fails
/// the same way, naming the nearest valid key.
/// </summary>
public sealed record LockActorsSettings
{
    /// <summary>Lease length when an <see cref="Acquire"/> gives none.</summary>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fixed renewal interval; null = ttl / 3 for each lock.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>Fraction of the TTL the holder keeps in hand before it declares its lease lost.</summary>
    public double LeaseSafetyMargin { get; init; } = 0.25;

    /// <summary>Slack added to TTL + store clock resolution before a sidecar is judged stale.</summary>
    public TimeSpan StaleGrace { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Default wait of <c>LockClient.AcquireAsync</c>.</summary>
    public TimeSpan AcquireTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First re-read interval for a lock held by another process.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest re-read interval (the interval doubles up to it).</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Timeout of one store operation.</summary>
    public TimeSpan StoreOperationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Idle time after which a target actor stops.</summary>
    public TimeSpan PassivateAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Shards of the lock manager (<c>manager-shards</c>); 0 = one per processor core.</summary>
    public int ManagerShards { get; init; }

    /// <summary>Queue limit per target.</summary>
    public int MaxWaitersPerTarget { get; init; } = 10_000;

    /// <summary>Owner id used when a request gives none.</summary>
    public string OwnerId { get; init; } = DefaultOwnerId();

    /// <summary>Stale policy used when a request gives none.</summary>
    public StalePolicy OnStale { get; init; } = StalePolicy.TakeOver;

    /// <summary>How fencing tokens stay increasing across a release (<c>fencing</c>).</summary>
    public FencingMode Fencing { get; init; } = FencingMode.HybridClock;

    /// <summary>
    /// How long the actor system's coordinated shutdown waits for every held lock to be released
    /// (<c>shutdown-release-timeout</c>); sidecars not removed by then expire by TTL.
    /// </summary>
    public TimeSpan ShutdownReleaseTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Cluster mode (<c>cluster { }</c>): one sharded actor per target for the whole cluster; off by default.</summary>
    public ClusterModeSettings Cluster { get; init; } = ClusterModeSettings.Default;

    /// <summary>The defaults of the embedded reference.conf.</summary>
    public static LockActorsSettings Default { get; } = new();

    /// <summary>The embedded <c>reference.conf</c>.</summary>
    public static Config ReferenceConfig { get; } = LoadReference();

    /// <summary>
    /// Reads and validates <c>lock-actors</c> from <paramref name="config"/> (falls back to the reference defaults).
    /// Unknown keys under <c>lock-actors</c> (outside <c>stores</c>, which the store registry checks) and a top-level
    /// section named like <c>lockactors</c> are refused.
    /// </summary>
    /// <exception cref="LockConfigurationException">A key is unknown or holds an invalid value; <see cref="LockConfigurationException.Key"/> names it.</exception>
    public static LockActorsSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ConfigKeys.CheckRootName(config);
        var c = config.WithFallback(ReferenceConfig).GetConfig(ConfigKeys.Root);
        ConfigKeys.CheckCore(c, ReferenceConfig.GetConfig(ConfigKeys.Root));
        var ownerId = c.GetString("owner-id", string.Empty);
        var heartbeat = c.GetString("heartbeat-interval", "off");
        return new LockActorsSettings
        {
            DefaultTtl = Read(c, "default-ttl", k => c.GetTimeSpan(k)),
            HeartbeatInterval = heartbeat is "off" or "" ? null : Read(c, "heartbeat-interval", k => c.GetTimeSpan(k)),
            LeaseSafetyMargin = Read(c, "lease-safety-margin", k => c.GetDouble(k)),
            StaleGrace = Read(c, "stale-grace", k => c.GetTimeSpan(k)),
            AcquireTimeout = Read(c, "acquire-timeout", k => c.GetTimeSpan(k)),
            PollInterval = Read(c, "poll-interval", k => c.GetTimeSpan(k)),
            MaxPollInterval = Read(c, "max-poll-interval", k => c.GetTimeSpan(k)),
            StoreOperationTimeout = Read(c, "store-operation-timeout", k => c.GetTimeSpan(k)),
            PassivateAfter = Read(c, "passivate-after", k => c.GetTimeSpan(k)),
            ShutdownReleaseTimeout = Read(c, "shutdown-release-timeout", k => c.GetTimeSpan(k)),
            MaxWaitersPerTarget = Read(c, "max-waiters-per-target", k => c.GetInt(k)),
            ManagerShards = Read(c, "manager-shards", k => c.GetInt(k)),
            OwnerId = string.IsNullOrWhiteSpace(ownerId) ? DefaultOwnerId() : ownerId,
            OnStale = OneOf(c, "on-stale", ("take-over", StalePolicy.TakeOver), ("never", StalePolicy.Never), ("take-over-including-corrupt", StalePolicy.TakeOverIncludingCorrupt)),
            Fencing = OneOf(c, "fencing", ("hybrid-clock", FencingMode.HybridClock), ("strict", FencingMode.Strict)),
            Cluster = ClusterModeSettings.Read(c, FullKey),
        }.Validated();
    }

    /// <summary>The renewal interval for a lock with <paramref name="ttl"/>.</summary>
    /// <remarks>
    /// The configured interval (or ttl / 3), but never more than half the trusted lease, ttl·(1−margin)/2: a renewal can
    /// fail once and the next still lands before the holder must declare the lease lost.
    /// </remarks>
    public TimeSpan HeartbeatFor(TimeSpan ttl) => HeartbeatFor(ttl, requested: null);

    /// <summary>The renewal interval for a lock with <paramref name="ttl"/> that asked for <paramref name="requested"/>.</summary>
    /// <remarks>The request's interval, else the configured one (or ttl / 3), capped as <see cref="HeartbeatFor(TimeSpan)"/>.</remarks>
    internal TimeSpan HeartbeatFor(TimeSpan ttl, TimeSpan? requested)
    {
        var wanted = requested ?? HeartbeatInterval ?? ttl / 3;
        var latest = LongestHeartbeatFor(ttl);
        return wanted < latest ? wanted : latest;
    }

    /// <summary>
    /// The longest renewal interval a lock with <paramref name="ttl"/> may use: half the trusted lease, ttl·(1−margin)/2,
    /// so that one renewal can fail and the next still lands before the holder must declare the lease lost. The one
    /// place this rule is computed (settings validation, request validation, cluster leases).
    /// </summary>
    public TimeSpan LongestHeartbeatFor(TimeSpan ttl) => TrustedLeaseFor(ttl) / 2;

    /// <summary>
    /// True when a lock with <paramref name="ttl"/> can renew at the configured fixed <see cref="HeartbeatInterval"/>
    /// and still miss one renewal without losing its lease (interval at most ttl·(1−margin)/2). Always true with
    /// <c>heartbeat-interval = off</c>, where every lock renews at ttl / 3.
    /// </summary>
    internal bool HeartbeatFits(TimeSpan ttl) => HeartbeatInterval is not { } interval || interval <= LongestHeartbeatFor(ttl);

    /// <summary>Why a request's <paramref name="ttl"/> is refused when <see cref="HeartbeatFits"/> is false.</summary>
    internal string HeartbeatMisfit(TimeSpan ttl) =>
        $"a TTL of {ttl} is too short for the configured lock-actors.heartbeat-interval = {HeartbeatInterval}: a holder must be able to " +
        $"miss one renewal, so the TTL must be at least heartbeat-interval * 2 / (1 - lease-safety-margin) = {HeartbeatInterval * 2 / (1 - LeaseSafetyMargin)}. " +
        "Ask for a longer TTL, or lower heartbeat-interval (off = every lock renews at ttl / 3)";

    /// <summary>How long after the last successful renewal was sent a holder still trusts its lease.</summary>
    public TimeSpan TrustedLeaseFor(TimeSpan ttl) => ttl * (1 - LeaseSafetyMargin);

    /// <summary>Returns this when every value is valid.</summary>
    /// <exception cref="LockConfigurationException">A value is out of range; <see cref="LockConfigurationException.Key"/> names the first such key.</exception>
    public LockActorsSettings Validated()
    {
        Require(DefaultTtl >= LockLimits.MinTtl && DefaultTtl <= LockLimits.MaxTtl, "default-ttl", $"must be between {LockLimits.MinTtl} and {LockLimits.MaxTtl}");
        Require(LeaseSafetyMargin is >= 0.05 and <= 0.9, "lease-safety-margin", "must be between 0.05 and 0.9");
        Require(HeartbeatInterval is null || (HeartbeatInterval > TimeSpan.Zero && HeartbeatInterval <= LongestHeartbeatFor(DefaultTtl)),
            "heartbeat-interval", $"must be positive and at most default-ttl * (1 - lease-safety-margin) / 2 = {LongestHeartbeatFor(DefaultTtl)} so a renewal can fail once without losing the lease");
        Require(StaleGrace >= TimeSpan.Zero, "stale-grace", "must not be negative");
        Require(AcquireTimeout >= TimeSpan.Zero, "acquire-timeout", "must not be negative");
        Require(PollInterval > TimeSpan.Zero, "poll-interval", "must be positive");
        Require(MaxPollInterval >= PollInterval, "max-poll-interval", "must be at least poll-interval");
        Require(StoreOperationTimeout > TimeSpan.Zero, "store-operation-timeout", "must be positive");
        Require(PassivateAfter > TimeSpan.Zero, "passivate-after", "must be positive");
        Require(MaxWaitersPerTarget > 0, "max-waiters-per-target", "must be positive");
        Require(ManagerShards is >= 0 and <= 1024, "manager-shards", "must be between 0 (one per processor core) and 1024");
        Require(ShutdownReleaseTimeout > TimeSpan.Zero, "shutdown-release-timeout", "must be positive");
        return this;
    }

    private static T Read<T>(Config c, string key, Func<string, T> read) => ConfigErrors.Read(c, key, FullKey(key), read);

    private static T OneOf<T>(Config c, string key, params (string Name, T Value)[] choices)
    {
        var value = c.GetString(key, choices[0].Name);
        foreach (var (name, choice) in choices)
        {
            if (value == name)
            {
                return choice;
            }
        }

        var names = choices.Select(x => x.Name).ToArray();
        var nearest = Spelling.Nearest(value, names);
        throw ConfigErrors.Invalid(FullKey(key),
            $"= '{value}' is not one of {string.Join(", ", names)}" + (nearest is null ? "." : $"; did you mean {nearest}?"));
    }

    private static void Require(bool ok, string key, string rule)
    {
        if (!ok)
        {
            throw ConfigErrors.Invalid(FullKey(key), rule + ".");
        }
    }

    private static string FullKey(string key) => $"{ConfigKeys.Root}.{key}";

    private static string DefaultOwnerId() => $"{Environment.MachineName}/{Environment.ProcessId}";

    private static Config LoadReference() => EmbeddedHocon.Load(typeof(LockActorsSettings), "LockActors.reference.conf");
}

using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace LockActors.Sftp;

/// <summary>What the server probe found about one SFTP server.</summary>
/// <param name="Server">The server, as <c>sftp://host:port</c>.</param>
/// <param name="Directory">The directory the scratch files were written in.</param>
/// <param name="Flaw">Why the server is not safe for locking; null when every check passed.</param>
/// <param name="Findings">One line per check, for logs.</param>
internal sealed record SftpServerProfile(string Server, string Directory, string? Flaw, IReadOnlyList<string> Findings)
{
    /// <summary>True when create-if-absent is atomic on this server: every check passed.</summary>
    public bool IsSafeForLocking => Flaw is null;
}

/// <summary>
/// Decides, once per server, whether its SFTP implementation gives the atomic create-if-absent the store relies on
/// (OpenSSH's <c>link(2)</c>-based RENAME). Every check runs on scratch files next to the first sidecar written, which
/// are removed afterwards. A server that answers any check in an unexpected way is refused: a refusal by the probe is a
/// verdict (<see cref="StoreNotSafeException"/>), never an outage; only a lost connection leaves the server unjudged.
/// </summary>
/// <remarks>
/// <para>Checks, in order: (1) the server's SSH identification: ProFTPD's mod_sftp is refused outright (its RENAME checks
/// that the target is absent, then calls <c>rename(2)</c>; 8 connections racing one create had two winners in ~1% of
/// rounds); (2) OPEN with CREAT|EXCL refuses an existing file; (3) plain RENAME onto an existing file is refused with
/// SSH_FX_FAILURE, the status OpenSSH's <c>link(2)</c> gives (a server answering FILE_ALREADY_EXISTS checked first, like
/// ProFTPD); (4) plain RENAME onto a dangling symbolic link is refused: <c>link(2)</c> refuses any existing name, while a
/// check that follows links (<c>stat</c>, then <c>rename(2)</c>) sees nothing there and overwrites it, which exposes a
/// check-then-rename deterministically (skipped when the server does not create symbolic links); (5) several rounds of
/// one create raced from several separate connections (the probe's own and racers - 1 more) (a server serialising requests per connection hides a
/// check-then-act from any single-connection check) must each have exactly one winner.</para>
/// <para>The race cannot prove a narrow window absent; (1) and (4) are what catch ProFTPD every time. The race costs
/// racers - 1 extra SSH logins per server and store.</para>
/// </remarks>
/// <param name="wire">The request layer of the connection the probe runs on.</param>
/// <param name="connect">Opens one more (unpooled) connection to the same server, for the race; the probe disposes it.</param>
/// <param name="racers">Connections racing one create, the probe's own included.</param>
/// <param name="rounds">Rounds of that race; each must have exactly one winner.</param>
/// <param name="recogniseByIdentification">Refuse ProFTPD by its SSH identification (tests switch it off to prove the
/// behavioural checks catch it too).</param>
internal sealed class SftpServerProbe(
    SftpWire wire, Func<CancellationToken, Task<SftpClient>> connect, int racers = SftpServerProbe.DefaultRacers, int rounds = SftpServerProbe.DefaultRounds,
    bool recogniseByIdentification = true)
{
    /// <summary>Separate connections the probe races one create from, its own included.</summary>
    public const int DefaultRacers = 3;

    /// <summary>Rounds of that race.</summary>
    public const int DefaultRounds = 3;

    /// <summary>The scratch files' name prefix, in the probed directory.</summary>
    public const string ScratchPrefix = ".lockactors-probe-";

    /// <summary>
    /// Runs every check on scratch files in <paramref name="directory"/> of <paramref name="server"/> (which only names
    /// it in the findings). A missing directory or a lost connection propagates: that is no verdict.
    /// </summary>
    public async Task<SftpServerProfile> RunAsync(string server, string directory, CancellationToken ct)
    {
        var findings = new List<string>();
        var flaw = await FindFlawAsync($"{directory}/{ScratchPrefix}{Guid.NewGuid().ToString("N")[..12]}", findings, ct).ConfigureAwait(false);
        if (flaw is not null)
        {
            findings.Add(flaw);
        }

        return new SftpServerProfile(server, directory, flaw, findings);
    }

    private async Task<string?> FindFlawAsync(string stem, List<string> findings, CancellationToken ct)
    {
        var ident = wire.ServerIdentification;
        if (recogniseByIdentification && (ident.Contains("mod_sftp", StringComparison.OrdinalIgnoreCase) || ident.Contains("ProFTPD", StringComparison.OrdinalIgnoreCase)))
        {
            return $"identifies as '{ident}' (ProFTPD mod_sftp), whose RENAME checks that the target is absent and then calls rename(2): " +
                   "two processes racing one create can both win";
        }

        findings.Add($"identifies as '{ident}'");
        var scratch = new List<string>();
        try
        {
            return await SingleConnectionChecksAsync(stem, scratch, findings, ct).ConfigureAwait(false)
                ?? await RaceAcrossConnectionsAsync(stem, scratch, findings, ct).ConfigureAwait(false);
        }
        finally
        {
            foreach (var path in scratch)
            {
                await RemoveQuietlyAsync(wire, path).ConfigureAwait(false);
            }
        }
    }

    private async Task<string?> SingleConnectionChecksAsync(string stem, List<string> scratch, List<string> findings, CancellationToken ct)
    {
        var (a, b, link) = (Add(scratch, stem + "-a"), Add(scratch, stem + "-b"), Add(scratch, stem + "-l"));
        foreach (var path in new[] { a, b })
        {
            if (await Step(() => CreateEmptyAsync(wire, path, ct), "OPEN CREAT|EXCL of a fresh scratch file").ConfigureAwait(false) is { } flaw)
            {
                return flaw;
            }
        }

        switch (await Attempt(() => CreateEmptyAsync(wire, b, ct)).ConfigureAwait(false))
        {
            case null:
                return "opened an existing file although CREAT|EXCL was requested";
            case SftpException { StatusCode: StatusCode.Failure }:
                findings.Add("OPEN CREAT|EXCL of an existing file: SSH_FX_FAILURE (refused)");
                break; // SFTP v3 has no EEXIST: OpenSSH answers SSH_FX_FAILURE
            case var other:
                return $"answered {Describe(other)} to OPEN CREAT|EXCL of an existing file, not OpenSSH's SSH_FX_FAILURE";
        }

        switch (await Attempt(() => wire.RenameAsync(a, b, ct)).ConfigureAwait(false))
        {
            case null:
                return "overwrote an existing file on a plain SSH_FXP_RENAME";
            case SftpException { StatusCode: StatusCode.Failure }:
                findings.Add("plain RENAME onto an existing file: SSH_FX_FAILURE (refused, as link(2) does)");
                break; // link(2) refused: EEXIST
            case var other:
                // FILE_ALREADY_EXISTS (11) and the like come from an implementation that looked first (ProFTPD): its
                // check and its rename(2) are two steps, so racing creators can both pass the check.
                return $"answered {Describe(other)} to a plain SSH_FXP_RENAME onto an existing file, not OpenSSH's SSH_FX_FAILURE from link(2): " +
                       "a rename that checks first and then overwrites lets two racing creators both win";
        }

        if (await TryCreateDanglingLinkAsync(link, stem + "-missing", ct).ConfigureAwait(false))
        {
            switch (await Attempt(() => wire.RenameAsync(a, link, ct)).ConfigureAwait(false))
            {
                case null:
                    return "overwrote a dangling symbolic link on a plain SSH_FXP_RENAME: its RENAME checks for the target (following links) and then calls rename(2), " +
                           "so two racing creators can both win";
                case SftpException { StatusCode: StatusCode.Failure }:
                    findings.Add("plain RENAME onto a dangling symbolic link: SSH_FX_FAILURE (refused)");
                    break;
                case var other:
                    return $"answered {Describe(other)} to a plain SSH_FXP_RENAME onto a dangling symbolic link, not OpenSSH's SSH_FX_FAILURE from link(2)";
            }
        }
        else
        {
            findings.Add("symbolic links cannot be created here: the dangling-link check is skipped");
        }

        return null;
    }

    /// <summary>Several rounds of one create raced from separate connections: exactly one winner each, or unsafe.</summary>
    private async Task<string?> RaceAcrossConnectionsAsync(string stem, List<string> scratch, List<string> findings, CancellationToken ct)
    {
        var clients = new List<SftpClient>();
        try
        {
            // The probe's own connection races too: racers - 1 extra SSH logins, the costly part (~0.1–0.3 s each).
            var connecting = Enumerable.Range(1, racers - 1).Select(_ => connect(ct)).ToArray();
            try
            {
                await Task.WhenAll(connecting).ConfigureAwait(false);
            }
            finally
            {
                clients.AddRange(connecting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            var racing = clients.Select(wire.Over).Prepend(wire).ToArray();

            for (var round = 0; round < rounds; round++)
            {
                var target = Add(scratch, $"{stem}-r{round}");
                var sources = racing.Select((_, i) => Add(scratch, $"{stem}-r{round}-{i}")).ToArray();
                var created = await Task.WhenAll(racing.Select((w, i) => Step(() => CreateEmptyAsync(w, sources[i], ct), "OPEN CREAT|EXCL of a fresh scratch file"))).ConfigureAwait(false);
                if (created.FirstOrDefault(f => f is not null) is { } failed)
                {
                    return failed;
                }

                // All requests leave together: each connection's RENAME reaches the server at about the same time.
                using var start = new SemaphoreSlim(0);
                var renames = racing.Select((w, i) => Task.Run(async () =>
                {
                    await start.WaitAsync(ct).ConfigureAwait(false);
                    return await Attempt(() => w.RenameAsync(sources[i], target, ct)).ConfigureAwait(false);
                }, ct)).ToArray();
                start.Release(racing.Length);
                var outcomes = await Task.WhenAll(renames).ConfigureAwait(false);
                var winners = outcomes.Count(o => o is null);
                if (winners != 1)
                {
                    return $"let {winners} of {racing.Length} connections win one race to RENAME onto the same new name (round {round + 1} of {rounds})";
                }

                if (outcomes.FirstOrDefault(o => o is not null and not SftpException { StatusCode: StatusCode.Failure }) is { } odd)
                {
                    return $"answered {Describe(odd)} to a RENAME that lost a race, not OpenSSH's SSH_FX_FAILURE from link(2)";
                }
            }

            findings.Add($"{rounds} rounds of one RENAME raced from {racers} connections: exactly one winner each");
            return null;
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }

    private async Task<bool> TryCreateDanglingLinkAsync(string link, string missingTarget, CancellationToken ct)
    {
        // SSH_FXP_SYMLINK's argument order differs between servers (OpenSSH swaps it): accept either, verify with LSTAT.
        foreach (var (from, to) in new[] { (missingTarget, link), (link, missingTarget) })
        {
            try
            {
                await wire.SymbolicLinkAsync(from, to, ct).ConfigureAwait(false);
            }
            catch (SftpException)
            {
                continue; // symbolic links not allowed here: this check is skipped
            }

            try
            {
                var attributes = await wire.LStatAsync(link, ct).ConfigureAwait(false);
                if (attributes.IsSymbolicLink)
                {
                    return true;
                }
            }
            catch (SftpPathNotFoundException)
            {
                await RemoveQuietlyAsync(wire, missingTarget).ConfigureAwait(false); // created the other way round
            }
        }

        return false;
    }

    private static async Task CreateEmptyAsync(SftpWire w, string path, CancellationToken ct)
    {
        var handle = await w.OpenAsync(path, SftpWire.OpenFlags.Write | SftpWire.OpenFlags.CreateNew, ct).ConfigureAwait(false);
        await w.CloseAsync(handle, ct).ConfigureAwait(false);
    }

    /// <summary>Null when the request succeeded; the server's refusal otherwise. A lost connection propagates.</summary>
    private static async Task<SftpException?> Attempt(Func<Task> request)
    {
        try
        {
            await request().ConfigureAwait(false);
            return null;
        }
        catch (SftpException e) when (e.StatusCode is not (StatusCode.NoConnection or StatusCode.ConnectionLost))
        {
            return e;
        }
    }

    /// <summary>A step on a fresh name: a missing or unwritable directory is the caller's problem (propagates), not a
    /// verdict. Any other refusal is one.</summary>
    private static async Task<string?> Step(Func<Task> request, string what) =>
        await Attempt(request).ConfigureAwait(false) switch
        {
            null => null,
            var mine when mine is SftpPathNotFoundException or SftpPermissionDeniedException => throw mine,
            var e => $"answered {Describe(e)} to {what}",
        };

    private static async Task RemoveQuietlyAsync(SftpWire w, string path)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await w.RemoveAsync(path, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Scratch litter (.<name>.<id>.probe-*) is harmless; never mask the verdict.
        }
    }

    private static string Add(List<string> scratch, string path)
    {
        scratch.Add(path);
        return path;
    }

    private static string Describe(SftpException e) => $"SFTP status {(int)e.StatusCode} ({e.Message})";
}

using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;

namespace LockActors.Gcs;

/// <summary>
/// Where the <c>gs://</c> store gets OAuth2 bearer tokens. Built only through the factory methods. Token sources are
/// created lazily on the first request, so building settings never touches the network or the file system.
/// Failures to obtain a token surface as <see cref="StoreAccessDeniedException"/> (bad or missing credentials) or
/// <see cref="StoreUnavailableException"/> (token endpoint unreachable).
/// </summary>
public abstract class GcsCredentials
{
    /// <summary>The OAuth2 scope the store asks for: read and write objects, nothing else.</summary>
    public const string Scope = "https://www.googleapis.com/auth/devstorage.read_write";

    private protected GcsCredentials()
    {
    }

    /// <summary>No Authorization header at all: for emulators and public test endpoints only.</summary>
    public static GcsCredentials None { get; } = new NoCredentials();

    /// <summary>One line for logs and error messages (never contains a secret).</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Google application default credentials (<c>GOOGLE_APPLICATION_CREDENTIALS</c>, gcloud user credentials, or the
    /// metadata server on Google Cloud), scoped to <see cref="Scope"/>.
    /// </summary>
    /// <remarks>Every call returns the same instance, so the credential is discovered once per process.</remarks>
    public static GcsCredentials ApplicationDefault() => s_applicationDefault;

    private static readonly GcsCredentials s_applicationDefault = new GoogleAuthCredentials("application default credentials",
        async ct => (await GoogleCredential.GetApplicationDefaultAsync(ct).ConfigureAwait(false)).CreateScoped(Scope));

    /// <summary>A service-account JSON key file, scoped to <see cref="Scope"/>. The file is read on first use.</summary>
    public static GcsCredentials FromServiceAccountFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new GoogleAuthCredentials($"service-account key file '{path}'", async ct =>
            GoogleCredential.FromServiceAccountCredential(
                await CredentialFactory.FromFileAsync<ServiceAccountCredential>(path, ct).ConfigureAwait(false)).CreateScoped(Scope));
    }

    /// <summary>
    /// Tokens from <paramref name="provider"/>, called before every request (cache in the provider if it is expensive).
    /// An empty token sends no Authorization header.
    /// </summary>
    public static GcsCredentials FromAccessTokenProvider(Func<CancellationToken, Task<string>> provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return new ProviderCredentials(provider);
    }

    /// <summary>A fixed bearer token (tests, short-lived scripts).</summary>
    public static GcsCredentials FromAccessToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return new ProviderCredentials(token);
    }

    /// <summary>The bearer token for the next request, or null to send none.</summary>
    internal abstract Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Description;

    private sealed class NoCredentials : GcsCredentials
    {
        public override string Description => "no credentials (emulator)";

        internal override Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
    }

    private sealed class ProviderCredentials(Func<CancellationToken, Task<string>> provider, string description = "an access-token provider") : GcsCredentials
    {
        private readonly string? _fixedToken;

        public ProviderCredentials(string token)
            : this(_ => Task.FromResult(token), "a fixed access token") => _fixedToken = token;

        public override string Description => description;

        // Value equality for fixed tokens keeps settings records comparable (HOCON round trips); providers compare by identity.
        public override bool Equals(object? obj) =>
            obj is ProviderCredentials other && (ReferenceEquals(this, other) || (_fixedToken is not null && _fixedToken == other._fixedToken));

        public override int GetHashCode() => _fixedToken?.GetHashCode(StringComparison.Ordinal) ?? provider.GetHashCode();

        internal override async Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken)
        {
            var token = await provider(cancellationToken).ConfigureAwait(false);
            return string.IsNullOrEmpty(token) ? null : token;
        }
    }

    private sealed class GoogleAuthCredentials(string description, Func<CancellationToken, Task<GoogleCredential>> load) : GcsCredentials
    {
        private readonly SemaphoreSlim _loading = new(1, 1);
        private ITokenAccess? _credential;

        public override string Description => description;

        // Same source (kind and path) = same credentials, so settings read twice from HOCON compare equal.
        public override bool Equals(object? obj) => obj is GoogleAuthCredentials other && other.Description == Description;

        public override int GetHashCode() => Description.GetHashCode(StringComparison.Ordinal);

        internal override async Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken)
        {
            var credential = _credential ?? await LoadAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Google.Apis.Auth caches the token and refreshes it shortly before it expires.
                return await credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (TokenResponseException e)
            {
                throw new StoreAccessDeniedException($"Could not obtain a GCS access token from {description}: {e.Error?.Error}.", e);
            }
            catch (HttpRequestException e)
            {
                throw new StoreUnavailableException($"Could not reach the token endpoint for {description}: {e.Message}", e);
            }
        }

        private async Task<ITokenAccess> LoadAsync(CancellationToken cancellationToken)
        {
            await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // A failed load is not cached: the next request tries again (the key file may appear later).
                // Any load failure (missing file, malformed JSON, no ADC found) means the credentials are unusable.
                return _credential ??= await load(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException and not LockStoreException)
            {
                throw new StoreAccessDeniedException($"Could not load GCS credentials from {description}: {e.Message}", e);
            }
            finally
            {
                _loading.Release();
            }
        }
    }
}

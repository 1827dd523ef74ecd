/**
 * AWS Signature Version 4 for Amazon Managed Service for Prometheus (service `aps`). The AWS SDK pieces
 * are imported lazily so a sender without SigV4 (and Passive mode) never loads them.
 */

/** The shape of an AWS SDK credential provider (kept local to avoid a type-only dependency). */
export type CredentialProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

/** Returns the headers to send (the given ones plus `host`, `x-amz-*` and `authorization`). */
export type RequestSigner = (url: URL, headers: Record<string, string>, body: Uint8Array) => Promise<Record<string, string>>;

export interface SigV4Options {
  readonly region: string;
  /** Defaults to the SDK's default chain (task role on ECS, env vars, profile, ...). */
  readonly credentials?: CredentialProvider;
  /** Injected clock for tests; defaults to the system clock. */
  readonly now?: () => Date;
}

export async function createSigV4Signer(options: SigV4Options): Promise<RequestSigner> {
  const [{ SignatureV4 }, { Sha256 }, { HttpRequest }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-crypto/sha256-js'),
    import('@smithy/protocol-http'),
  ]);
  const credentials = options.credentials
    ?? (await import('@aws-sdk/credential-providers')).fromNodeProviderChain();
  const signer = new SignatureV4({ service: 'aps', region: options.region, credentials, sha256: Sha256 });
  return async (url, headers, body) => {
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, name) => { query[name] = value; });
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      body,
    });
    const signed = await signer.sign(request, options.now ? { signingDate: options.now() } : undefined);
    return signed.headers as Record<string, string>;
  };
}

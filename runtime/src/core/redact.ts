/**
 * The one place that makes untrusted or secret-bearing text safe to log: URLs from the configuration
 * and bodies written by a remote server (a receiver may echo the request's headers in its error, and
 * the Authorization header of basic auth is only base64 of `user:password`).
 */

/** Longest redacted text that reaches a log line. */
export const MAX_REDACTED_LENGTH = 256;
const MASK = '[REDACTED]';

/**
 * URLs are redacted by the environment contract's `redactUrl` (user:password stripped), which the
 * construct uses too; re-exported here so the runtime has one import for everything redaction.
 */
export { redactUrl } from '../environment-contract.generated';

// `Authorization: x`, `"authorization":"x"`, `X-Amz-Security-Token=x`: the value up to a delimiter.
const HEADER_VALUE = /((?:proxy-)?authorization|x-amz-security-token)(["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+/gi;
// A credential after its scheme, whatever the case of the scheme (RFC 9110 makes it case-insensitive).
const SCHEME_TOKEN = /\b(basic|bearer|aws4-hmac-sha256)\s+[A-Za-z0-9._~+/=:,-]+/gi;
// Base64 runs long enough to hold `user:pass`; only those that decode to printable `x:y` are masked.
const BASE64_RUN = /[A-Za-z0-9+/]{8,}={0,2}/g;

/**
 * Returns `text` without the given secrets, without anything shaped like a credential, and cut to
 * MAX_REDACTED_LENGTH characters. Secrets are removed before the cut, so a cut never leaves half of one;
 * a text that ends inside a secret (it was cut by the sender of the text) loses that tail too.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(MASK);
  }
  out = out
    .replace(HEADER_VALUE, `$1$2${MASK}`)
    .replace(SCHEME_TOKEN, `$1 ${MASK}`)
    .replace(BASE64_RUN, (run) => (looksLikeEncodedCredential(run) ? MASK : run));
  out = withoutSecretPrefixAtEnd(out, secrets);
  return out.length > MAX_REDACTED_LENGTH ? `${out.slice(0, MAX_REDACTED_LENGTH)}...` : out;
}

function looksLikeEncodedCredential(run: string): boolean {
  const decoded = Buffer.from(run, 'base64').toString('latin1');
  return decoded.includes(':') && /^[\x20-\x7e]+$/.test(decoded);
}

/** A body truncated upstream may end with the first characters of a secret: drop that tail. */
function withoutSecretPrefixAtEnd(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) {
    for (let n = Math.min(secret.length - 1, text.length); n >= 3; n--) {
      if (text.endsWith(secret.slice(0, n))) return text.slice(0, text.length - n) + MASK;
    }
  }
  return text;
}

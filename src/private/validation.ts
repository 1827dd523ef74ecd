import { Duration, Token, Tokenization } from 'aws-cdk-lib';

/**
 * Token-aware checks of construct input. Each returns nothing or throws one error that quotes the
 * bad value and says how to fix it; unresolved tokens are accepted because their value is only known
 * at deploy time.
 */

export function validatePort(field: string, port: number): void {
  if (Token.isUnresolved(port)) return;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${field} must be an integer between 1 and 65535, got ${port}`);
  }
}

/** The runtime serves its health check here, so the metrics cannot live on the same path. */
const HEALTH_PATH = '/health';

export function validateMetricsPath(metricsPath: string): void {
  if (Token.isUnresolved(metricsPath)) return;
  if (!metricsPath.startsWith('/')) {
    throw new Error(`metricsPath must start with "/", got "${metricsPath}"; use "/${metricsPath}"`);
  }
  if (/[\s?#]/.test(metricsPath)) {
    throw new Error(
      `metricsPath must be a plain URL path without whitespace, "?" or "#", got "${metricsPath}"`,
    );
  }
  if (metricsPath === HEALTH_PATH) {
    throw new Error(
      `metricsPath must not be "${HEALTH_PATH}": the sidecar serves its health check there; choose another path`,
    );
  }
}

/** ECS container names: up to 255 letters, digits, hyphens and underscores. */
export function validateContainerName(containerName: string): void {
  if (Token.isUnresolved(containerName)) return;
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(containerName)) {
    throw new Error(
      `containerName must be 1 to 255 letters, digits, hyphens or underscores, got "${containerName}"`,
    );
  }
}

export function validateRemoteWriteUrl(url: string): void {
  if (Token.isUnresolved(url)) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `remoteWrite.url must be an absolute http:// or https:// URL, got "${url}"`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(
      `remoteWrite.url must use http:// or https://, got "${url}"`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Credentials in the URL would land in the template and the task definition in clear text.
    throw new Error(
      'remoteWrite.url must not contain credentials; pass remoteWrite.username and remoteWrite.password (an ecs.Secret) instead',
    );
  }
}

/** A non-negative whole number of CPU units or MiB. */
export function validateWholeNumber(field: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${field} must be a non-negative integer, got ${value}`);
  }
}

/**
 * Durations handed to the runtime: at least one second (ECS refreshes stats about every 10 s, so
 * anything faster only burns CPU), whole milliseconds.
 */
export function validateInterval(field: string, interval: Duration | undefined): void {
  if (interval === undefined || interval.isUnresolved()) return;
  const ms = interval.toMilliseconds();
  if (!Number.isInteger(ms) || ms < 1000) {
    throw new Error(`${field} must be at least 1 second, got ${interval.toHumanString()}`);
  }
}

/** Renders a Duration in the runtime's Go-style format: `15s`, or `1500ms` when not whole seconds. */
export function renderInterval(field: string, interval: Duration): string {
  if (interval.isUnresolved()) {
    // A token's amount is known only at deploy time, so it cannot be converted between units:
    // render it in the unit it was given in, when the runtime understands that unit.
    for (const [unit, toAmount] of [['s', () => interval.toSeconds()], ['ms', () => interval.toMilliseconds()]] as const) {
      try {
        return `${Tokenization.stringifyNumber(toAmount())}${unit}`;
      } catch {
        // not given in this unit
      }
    }
    throw new Error(`${field} from a token must be given as Duration.seconds(token) or Duration.millis(token), got ${interval.toHumanString()}`);
  }
  const ms = interval.toMilliseconds();
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Refuses an empty user name: the runtime treats an empty variable as unset and would stop at start. */
export function validateUserName(field: string, userName: string | undefined): void {
  if (userName === undefined || Token.isUnresolved(userName)) return;
  if (userName.trim() === '') {
    throw new Error(`${field} must not be empty, got "${userName}"; set the user name, or remove ${field} and its password`);
  }
}

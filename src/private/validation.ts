import { Duration, Token, Tokenization } from 'aws-cdk-lib';

/**
 * Token-aware checks of construct input that is not a runtime variable (those are checked by the
 * environment contract, see sidecar-environment.ts). Each returns nothing or throws one error that
 * quotes the bad value and says how to fix it; unresolved tokens are accepted because their value is
 * only known at deploy time.
 */

/** ECS container names: up to 255 letters, digits, hyphens and underscores. */
export function validateContainerName(containerName: string): void {
  if (Token.isUnresolved(containerName)) return;
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(containerName)) {
    throw new Error(
      `containerName must be 1 to 255 letters, digits, hyphens or underscores, got "${containerName}"`,
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
 * ECS refreshes the stats about every 10 s, so an interval below one second only burns CPU; the
 * runtime accepts it (its tests run that fast), so synthesis warns instead of refusing.
 */
export function intervalWarning(field: string, interval: Duration): string | undefined {
  if (interval.isUnresolved() || interval.toMilliseconds() >= 1000) return undefined;
  return `${field} is ${interval.toHumanString()}: ECS refreshes the task stats about every 10 seconds, so anything below 1 second only costs CPU; use at least Duration.seconds(1)`;
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

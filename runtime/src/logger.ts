/**
 * Structured JSON logs, one object per line, with a level. Fields whose name looks like a secret
 * (password, token, authorization, secret, credential) are replaced before anything is written, so
 * a careless call site cannot leak one.
 */
import type { LogLevel } from './config';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ component: 'collector' }`). */
  child(fields: LogFields): Logger;
}

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /pass(word)?|secret|token|authori[sz]ation|credential|api[-_]?key/i;
export const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; defaults to stdout. */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

export function createLogger(options: LoggerOptions, baseFields: LogFields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? Date.now;
  const threshold = SEVERITY[options.level];
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (SEVERITY[level] < threshold) return;
    const record = { time: new Date(now()).toISOString(), level, msg: message, ...redact(baseFields), ...redact(fields ?? {}) };
    write(JSON.stringify(record, errorReplacer) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...baseFields, ...fields }),
  };
}

/** A logger that drops everything (tests that do not assert on logs). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function redact(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(key)) {
      out[key] = REDACTED;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Error)) {
      out[key] = redact(value as LogFields);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Errors become `{ name, message }` (no stack noise in every line; the message carries the context). */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/**
 * Failures of a loop that repeats (collection, scrape, enrichment): the first of each kind is logged
 * at `error`, repeats at `debug`, so a lasting fault is one line, not one per round.
 */
export class FailureLog {
  private readonly seen = new Set<string>();

  constructor(private readonly logger: Logger) {}

  failed(kind: string, err: unknown, fields: LogFields = {}): void {
    const first = !this.seen.has(kind);
    this.seen.add(kind);
    this.logger[first ? 'error' : 'debug'](`${kind} failed`, { ...fields, err });
  }
}

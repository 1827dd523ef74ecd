/** Test doubles shared by the Active-mode tests: a clock that never really sleeps and a capturing logger. */
import { ActiveLogger, Clock } from '../../src/active/ports';

export interface LogRecord { readonly level: string; readonly message: string; readonly fields?: Record<string, unknown> }

export class CapturingLogger implements ActiveLogger {
  readonly records: LogRecord[] = [];
  debug(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'debug', message, fields }); }
  info(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'info', message, fields }); }
  warn(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'warn', message, fields }); }
  error(message: string, fields?: Record<string, unknown>) { this.records.push({ level: 'error', message, fields }); }
  atLevel(level: string): LogRecord[] { return this.records.filter((r) => r.level === level); }
  /** Everything logged, as one string, to search for secrets. */
  text(): string { return this.records.map((r) => JSON.stringify(r)).join('\n'); }
}

/** A clock whose sleeps return at once and advance `now` by the requested time, recording each delay. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public current = Date.UTC(2026, 0, 1)) {}
  now(): number { return this.current; }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new Error('aborted');
    this.sleeps.push(ms);
    this.current += ms;
    await Promise.resolve();
  }
}

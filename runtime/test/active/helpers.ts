/** Test doubles shared by the Active-mode tests: a clock that never really sleeps and a capturing logger. */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
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

/** Answers every AWS JSON call with the given error, counting requests. */
export async function awsErrorServer(errorType: string, status: number) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': errorType });
      res.end(JSON.stringify({ __type: errorType, message: `${errorType} for this test` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { createLogger, REDACTED } from '../src/logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (l) => lines.push(l), now: () => Date.UTC(2024, 0, 1) });
  return { logger, records: () => lines.map((l) => JSON.parse(l)) };
}

describe('structured logger', () => {
  test('writes one JSON object per line with time, level and message', () => {
    const { logger, records } = capture('info');
    logger.info('collection done', { containers: 3 });
    expect(records()).toEqual([{ time: '2024-01-01T00:00:00.000Z', level: 'info', msg: 'collection done', containers: 3 }]);
  });

  test('drops lines below the configured level', () => {
    const { logger, records } = capture('warn');
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(records().map((r) => r.level)).toEqual(['warn', 'error']);
  });

  test('never writes a password, token or Authorization header, even nested', () => {
    const { logger, records } = capture('debug');
    logger.child({ password: 'p1' }).info('request', {
      headers: { Authorization: 'Basic dXNlcjpodW50ZXIy' },
      remoteWrite_bearerToken: 'tok',
      httpAuth_password: 'hunter2',
    });
    const text = JSON.stringify(records());
    for (const secret of ['p1', 'dXNlcjpodW50ZXIy', 'tok"', 'hunter2']) expect(text).not.toContain(secret);
    expect(records()[0].headers.Authorization).toBe(REDACTED);
  });

  test('errors are logged with name and message', () => {
    const { logger, records } = capture('info');
    logger.error('failed', { err: new Error('metadata /task: HTTP 500 after 3 attempts') });
    expect(records()[0].err).toEqual({ name: 'Error', message: 'metadata /task: HTTP 500 after 3 attempts' });
  });
});

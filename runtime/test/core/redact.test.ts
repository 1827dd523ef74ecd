import { MAX_REDACTED_LENGTH, redactSecrets, redactUrl } from '../../src/core/redact';

const USER = 'tenant-a';
const PASSWORD = 'pr0m-s3cret-pa55';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

describe('redactSecrets', () => {
  test('removes the configured secrets wherever they appear', () => {
    const out = redactSecrets(`bad password ${PASSWORD} for ${USER}`, [PASSWORD]);
    expect(out).not.toContain(PASSWORD);
    expect(out).toContain(USER);
  });

  test.each([
    ['an Authorization header line', `header Authorization: Basic ${BASIC}\nnext`],
    ['a lower-case basic scheme', `got basic ${BASIC}`],
    ['a JSON-echoed header', `{"headers":{"authorization":"Basic ${BASIC}"}}`],
    ['a bearer token', 'token was Bearer abc.def-ghi_jkl'],
    ['a bare base64 user:pass', `credentials ${BASIC} refused`],
    ['an AWS session token', 'X-Amz-Security-Token: FQoGZXIvYXdzEJr//////////wEaDOn'],
  ])('removes %s even when no secret is given', (_what, text) => {
    const out = redactSecrets(text, []);
    expect(out).not.toContain(BASIC);
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toMatch(/abc\.def|FQoGZXIvYXdzEJr/);
    expect(out).toContain('[REDACTED]');
  });

  test('keeps an ordinary receiver message readable', () => {
    expect(redactSecrets('out of bounds\n', [PASSWORD])).toBe('out of bounds\n');
    expect(redactSecrets('duplicate sample for timestamp', [])).toBe('duplicate sample for timestamp');
  });

  test(`is cut to ${MAX_REDACTED_LENGTH} characters, after the secrets are gone`, () => {
    const text = `${'x'.repeat(MAX_REDACTED_LENGTH - 4)}${PASSWORD}${'y'.repeat(1000)}`;
    const out = redactSecrets(text, [PASSWORD]);
    expect(out.length).toBeLessThanOrEqual(MAX_REDACTED_LENGTH + 3);
    expect(out).not.toContain(PASSWORD.slice(0, 4));
  });

  test('a text that ends inside a secret loses that tail', () => {
    expect(redactSecrets(`echo: ${PASSWORD.slice(0, 9)}`, [PASSWORD])).toBe('echo: [REDACTED]');
  });
});

describe('redactUrl', () => {
  test('strips user and password', () => {
    expect(redactUrl('https://u:p@host/api/v1/write')).toBe('https://***@host/api/v1/write');
    expect(redactUrl('http://host:9090/api/v1/write')).toBe('http://host:9090/api/v1/write');
  });
});

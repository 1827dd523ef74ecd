/**
 * The request head parser on its own: what a scraper sends is read, and what RFC 9112 says a server
 * must refuse (or what would let a request hide inside another) is refused with its status.
 */
import { isRefused, parseRequestHead, type RequestHead } from '../src/http/request-head';

function parsed(head: string): RequestHead {
  const result = parseRequestHead(head);
  if (isRefused(result)) throw new Error(`refused: ${result.status} ${result.reason}`);
  return result;
}

function refusal(head: string): number {
  const result = parseRequestHead(head);
  return isRefused(result) ? result.status : 0;
}

describe('what scrapers send', () => {
  test('a Prometheus scrape: method, target, encoding, kept alive, no body', () => {
    const head = parsed([
      'GET /metrics?x=1 HTTP/1.1',
      'Host: 10.0.0.1:8014',
      'User-Agent: Prometheus/2.42.0',
      'Accept: application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1',
      'Accept-Encoding: gzip',
      'X-Prometheus-Scrape-Timeout-Seconds: 10',
    ].join('\r\n'));
    expect(head).toEqual({ method: 'GET', target: '/metrics?x=1', keepAlive: true, hasBody: false, authorization: undefined, acceptEncoding: 'gzip' });
  });

  test('field names are case-insensitive, values lose their surrounding whitespace', () => {
    const head = parsed('HEAD /health HTTP/1.1\r\nhOsT: x\r\nAUTHORIZATION: \t Basic abc= \t\r\nconnection:  Close ');
    expect(head).toMatchObject({ method: 'HEAD', authorization: 'Basic abc=', keepAlive: false });
  });

  test('repeated Accept-Encoding fields are one list', () => {
    expect(parsed('GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\nAccept-Encoding: gzip;q=0.5').acceptEncoding).toBe('br,gzip;q=0.5');
  });

  test('HTTP/1.0 keeps the connection only when asked to, and needs no Host', () => {
    expect(parsed('GET /metrics HTTP/1.0').keepAlive).toBe(false);
    expect(parsed('GET /metrics HTTP/1.0\r\nConnection: Keep-Alive').keepAlive).toBe(true);
    expect(parsed('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade').keepAlive).toBe(true);
  });

  test('empty lines before the request line are skipped', () => {
    expect(parsed('\r\n\r\nGET /health HTTP/1.1\r\nHost: x').target).toBe('/health');
  });

  test('a body is announced by a Content-Length above 0 or by Transfer-Encoding', () => {
    expect(parsed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0').hasBody).toBe(false);
    expect(parsed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12').hasBody).toBe(true);
    expect(parsed('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked').hasBody).toBe(true);
    expect(parsed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3').hasBody).toBe(true);
  });
});

describe('what is refused', () => {
  test.each([
    ['no request line', ''],
    ['a request line of two parts', 'GET /metrics'],
    ['two spaces in the request line', 'GET  /metrics HTTP/1.1\r\nHost: x'],
    ['a method that is not a token', 'G(T /metrics HTTP/1.1\r\nHost: x'],
    ['a control character in the target', 'GET /met\x01rics HTTP/1.1\r\nHost: x'],
    ['a version that is not HTTP', 'GET /metrics FTP/1.1\r\nHost: x'],
    ['HTTP/1.1 without Host', 'GET /metrics HTTP/1.1\r\nAccept: */*'],
    ['two Host fields', 'GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b'],
    ['a folded field (obs-fold)', 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: a,\r\n b'],
    ['whitespace before the colon', 'GET /metrics HTTP/1.1\r\nHost : x'],
    ['a field without a colon', 'GET /metrics HTTP/1.1\r\nHost: x\r\nnonsense'],
    ['a bare LF inside the head', 'GET /metrics HTTP/1.1\r\nHost: x\nTransfer-Encoding: chunked'],
    ['a bare CR inside the head', 'GET /metrics HTTP/1.1\r\nHost: x\rX: y'],
    ['a NUL in a value', 'GET /metrics HTTP/1.1\r\nHost: x\r\nX: a\x00b'],
    ['a Content-Length that is not a number', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3'],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4'],
    ['both Transfer-Encoding and Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4'],
    ['two Authorization fields', 'GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic a\r\nAuthorization: Basic b'],
  ])('%s: 400', (_what, head) => {
    expect(refusal(head)).toBe(400);
  });

  test('another HTTP version: 505', () => {
    expect(refusal('GET /metrics HTTP/2.0\r\nHost: x')).toBe(505);
    expect(refusal('GET /metrics HTTP/0.9')).toBe(505);
  });
});

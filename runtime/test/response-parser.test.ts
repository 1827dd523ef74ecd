/**
 * The metadata client's HTTP/1.1 response parser on byte streams, each fed whole, byte by byte and
 * split at every position: the socket may deliver a response in any pieces.
 */
import { MAX_HEAD_BYTES, ResponseFormatError, ResponseParser } from '../src/metadata/response-parser';

interface Parsed {
  readonly statusCode: number;
  readonly body: string;
  readonly keepAlive: boolean;
  readonly complete: boolean;
}

function parse(pieces: readonly Buffer[], { close = false, maxBodyBytes = 1024 * 1024 } = {}): Parsed {
  const parser = new ResponseParser(maxBodyBytes);
  for (const piece of pieces) parser.push(piece);
  if (close) parser.end();
  return { statusCode: parser.statusCode, body: parser.complete ? parser.body().toString('utf8') : '', keepAlive: parser.keepAlive, complete: parser.complete };
}

/** The same bytes as one piece, one byte at a time, and in two pieces split at every position. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text, 'latin1');
  const ways: Buffer[][] = [[bytes], [...bytes].map((byte) => Buffer.from([byte]))];
  for (let at = 1; at < bytes.length; at++) ways.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return ways;
}

function expectEverySplit(text: string, expected: Parsed, options: { close?: boolean } = {}): void {
  for (const pieces of splits(text)) expect(parse(pieces, options)).toEqual(expected);
}

const LENGTH = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"Cluster":1}';
// What Go's net/http sends for a body it did not size up front: chunks, an extension and a trailer here too.
const CHUNKED = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"Clu\r\n8\r\nster":1}\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('HTTP/1.1 response parser', () => {
  test('a Content-Length body, in any pieces', () => {
    expectEverySplit(LENGTH, { statusCode: 200, body: '{"Cluster":1}', keepAlive: true, complete: true });
  });

  test('a chunked body with an extension and a trailer, in any pieces', () => {
    expectEverySplit(CHUNKED, { statusCode: 200, body: '{"Cluster":1}', keepAlive: true, complete: true });
  });

  test('a body that runs to the end of the connection completes only when the peer closes', () => {
    const text = 'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nagent not ready';
    for (const pieces of splits(text)) expect(parse(pieces).complete).toBe(false);
    expectEverySplit(text, { statusCode: 500, body: 'agent not ready', keepAlive: false, complete: true }, { close: true });
  });

  test('an interim 100 Continue is skipped; 204 and a zero length have no body', () => {
    expectEverySplit(`HTTP/1.1 100 Continue\r\n\r\n${LENGTH}`, { statusCode: 200, body: '{"Cluster":1}', keepAlive: true, complete: true });
    expectEverySplit('HTTP/1.1 204 No Content\r\n\r\n', { statusCode: 204, body: '', keepAlive: true, complete: true });
    expectEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', { statusCode: 200, body: '', keepAlive: true, complete: true });
  });

  test('Connection: close and HTTP/1.0 end the connection after the response; keep-alive keeps a 1.0 one', () => {
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}')]).keepAlive).toBe(false);
    expect(parse([Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}')]).keepAlive).toBe(false);
    expect(parse([Buffer.from('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n{}')]).keepAlive).toBe(true);
  });

  test('bytes after the response make the connection unfit for another request', () => {
    const parsed = parse([Buffer.from(`${LENGTH}HTTP/1.1 200 OK\r\n`)]);
    expect(parsed).toEqual({ statusCode: 200, body: '{"Cluster":1}', keepAlive: false, complete: true });
  });

  test.each([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', /not an HTTP\/1.x status line/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', /malformed header line/],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /invalid Content-Length/],
    ['conflicting Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /conflicting Content-Length/],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /invalid chunk size/],
    ['chunk data without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX', /not followed by CRLF/],
  ])('%s is a format error', (_name, text, message) => {
    expect(() => parse([Buffer.from(text, 'latin1')])).toThrow(message);
    expect(() => parse([Buffer.from(text, 'latin1')])).toThrow(ResponseFormatError);
  });

  test('headers past the limit are an error, whether or not their end has arrived', () => {
    const huge = `HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(() => parse([Buffer.from(huge)])).toThrow(/headers exceed/);
    expect(() => parse([Buffer.from(`${huge}\r\n\r\n`)])).toThrow(/headers exceed/);
  });

  test('a body past the limit is an error, announced or chunked', () => {
    expect(() => parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n')], { maxBodyBytes: 10 })).toThrow(/body exceeds 10 bytes/);
    expect(() => parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n123456\r\n6\r\n')], { maxBodyBytes: 10 })).toThrow(/body exceeds 10 bytes/);
    expect(() => parse([Buffer.from('HTTP/1.1 200 OK\r\n\r\n12345678901')], { maxBodyBytes: 10 })).toThrow(/body exceeds 10 bytes/);
  });

  test('a connection closed mid-response is an error that says where', () => {
    expect(() => parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Le')], { close: true })).toThrow(/in the headers/);
    expect(() => parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}')], { close: true })).toThrow(/in the body/);
    expect(() => parse([Buffer.from(CHUNKED.slice(0, -2))], { close: true })).toThrow(/in the body/);
  });
});

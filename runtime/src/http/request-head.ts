/**
 * The head of one HTTP/1.x request (RFC 9112 section 3 and 5), for the metrics server: the request
 * line and the header fields, read from the bytes before the blank line. A request this server cannot
 * answer safely is refused with the status RFC 9112 gives for it, so the parser is tested on strings
 * without a server. Bodies are never read here: the server answers a request that announces one and
 * then closes the connection, so body bytes are never taken for the next request.
 */

export interface RequestHead {
  readonly method: string;
  /** The request-target as sent (origin-form `/path?query` from any scraper). */
  readonly target: string;
  /** Whether the client keeps the connection open after the response (HTTP/1.1 unless `close`; 1.0 only with `keep-alive`). */
  readonly keepAlive: boolean;
  /** `Content-Length` above 0 or any `Transfer-Encoding`. */
  readonly hasBody: boolean;
  readonly authorization: string | undefined;
  /** Every `Accept-Encoding` field, joined with commas as RFC 9110 5.3 allows. */
  readonly acceptEncoding: string | undefined;
}

export interface RefusedHead {
  readonly status: 400 | 505;
  readonly reason: string;
}

/** RFC 9110 5.6.2 token: what a method or a field name is made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: visible ASCII, obs-text, spaces and tabs; no other control character. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A request-target: visible ASCII only (no space, no control character). */
const TARGET = /^[\x21-\x7e]+$/;

/**
 * Parses `head`, the latin1 text before the blank line that ends it (without that CRLF CRLF). Empty
 * lines before the request line are skipped (RFC 9112 2.2: a client may send a CRLF after a body).
 * It runs once per scrape, interpreted (the image runs V8 without its optimizing tiers), so lines are
 * found with indexOf rather than split, and only the fields it reads are lower-cased.
 */
export function parseRequestHead(head: string): RequestHead | RefusedHead {
  let at = 0;
  while (head.startsWith('\r\n', at)) at += 2;
  let lineEnd = head.indexOf('\r\n', at);
  if (lineEnd === -1) lineEnd = head.length;
  // A bare CR or LF, which could hide a field inside another one (request smuggling through a
  // proxy), fails the token, target, version and field-value patterns: they admit no control character.
  const parts = head.slice(at, lineEnd).split(' ');
  if (parts.length !== 3 || !TOKEN.test(parts[0]) || !TARGET.test(parts[1])) return refuse(400, 'malformed request line');
  const [method, target, version] = parts;
  if (!/^HTTP\/\d\.\d$/.test(version)) return refuse(400, 'malformed HTTP version');
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return refuse(505, `${version} is not supported`);

  let host = 0;
  let connection = '';
  let contentLength: string | undefined;
  let transferEncoding = false;
  let authorization: string | undefined;
  let acceptEncoding: string | undefined;
  while (lineEnd < head.length) {
    at = lineEnd + 2;
    lineEnd = head.indexOf('\r\n', at);
    if (lineEnd === -1) lineEnd = head.length;
    const colon = head.indexOf(':', at);
    // obs-fold (a line starting with whitespace) and whitespace before the colon are refused (RFC 9112 5.1, 5.2).
    if (colon <= at || colon > lineEnd) return refuse(400, 'malformed header field');
    const name = head.slice(at, colon);
    if (!TOKEN.test(name)) return refuse(400, 'malformed header field');
    const value = trimmedValue(head, colon + 1, lineEnd);
    if (!FIELD_VALUE.test(value)) return refuse(400, 'control character in a header field');
    switch (READ_FIELD_LENGTHS.has(name.length) ? name.toLowerCase() : '') {
      case 'host':
        host += 1;
        break;
      case 'connection':
        connection += `,${value.toLowerCase()}`;
        break;
      case 'content-length':
        if (!/^\d{1,15}$/.test(value) || (contentLength !== undefined && contentLength !== value)) return refuse(400, 'invalid Content-Length');
        contentLength = value;
        break;
      case 'transfer-encoding':
        transferEncoding = true;
        break;
      case 'authorization':
        // Two credentials cannot both be the one checked: refused rather than picking one.
        if (authorization !== undefined) return refuse(400, 'more than one Authorization field');
        authorization = value;
        break;
      case 'accept-encoding':
        acceptEncoding = acceptEncoding === undefined ? value : `${acceptEncoding},${value}`;
        break;
      default:
    }
  }
  const http11 = version === 'HTTP/1.1';
  // RFC 9112 3.2: an HTTP/1.1 request without exactly one Host is answered 400.
  if (http11 && host !== 1) return refuse(400, host === 0 ? 'no Host header' : 'more than one Host header');
  // RFC 9112 6.1: both framings at once is how requests are smuggled.
  if (transferEncoding && contentLength !== undefined) return refuse(400, 'both Transfer-Encoding and Content-Length');
  const tokens = connection === '' ? [] : connection.split(',').map((token) => token.trim());
  return {
    method,
    target,
    keepAlive: http11 ? !tokens.includes('close') : tokens.includes('keep-alive'),
    hasBody: transferEncoding || (contentLength !== undefined && Number(contentLength) > 0),
    authorization,
    acceptEncoding,
  };
}

/** The lengths of the field names read above: other fields are not lower-cased to be compared. */
const READ_FIELD_LENGTHS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'authorization', 'accept-encoding'].map((name) => name.length));

/** `head` from `start` to `end` without the spaces and tabs around it (RFC 9112 5.1 OWS). */
function trimmedValue(head: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && (head.charCodeAt(from) === 0x20 || head.charCodeAt(from) === 0x09)) from++;
  while (to > from && (head.charCodeAt(to - 1) === 0x20 || head.charCodeAt(to - 1) === 0x09)) to--;
  return head.slice(from, to);
}

export function isRefused(head: RequestHead | RefusedHead): head is RefusedHead {
  return 'status' in head;
}

function refuse(status: RefusedHead['status'], reason: string): RefusedHead {
  return { status, reason };
}

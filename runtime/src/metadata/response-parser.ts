/**
 * Incremental parser of one HTTP/1.1 response (RFC 9112), for the metadata endpoint's GET client:
 * status line, headers, then the body framed by `Transfer-Encoding: chunked` (what Go's net/http, the
 * ECS agent's server, sends for a body it did not size up front), `Content-Length`, or the end of the
 * connection. It takes the bytes in whatever pieces the socket delivers them, so it is tested on
 * recorded byte streams split at every position, without a server.
 */

/** The bytes of the response are not HTTP/1.x, or exceed a limit. */
export class ResponseFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseFormatError';
  }
}

/** Status line and headers together; a scripted or broken peer cannot make the parser buffer more. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line or a trailer line. */
const MAX_LINE_BYTES = 1024;

const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

export class ResponseParser {
  statusCode = 0;
  /** Whether the connection may carry another request once this response is complete. */
  keepAlive = true;
  private state: State = 'head';
  /** Bytes of a head or a line not complete yet. */
  private pending: Buffer = EMPTY;
  /** Body bytes still expected: of the Content-Length, or of the current chunk (with its CRLF in 'chunk-end'). */
  private remaining = 0;
  private readonly bodyParts: Buffer[] = [];
  private bodyBytes = 0;

  constructor(private readonly maxBodyBytes: number) {}

  get complete(): boolean {
    return this.state === 'done';
  }

  /** Whether the status line and headers have been read (the body may still be on its way). */
  get headComplete(): boolean {
    return this.state !== 'head';
  }

  /** Feeds the next bytes. Returns true once the response is complete; throws ResponseFormatError. */
  push(chunk: Buffer): boolean {
    let data = chunk;
    while (data.length > 0 && this.state !== 'done') data = this.step(data);
    if (data.length > 0) {
      // Bytes after the response on a connection with no request outstanding: it cannot be reused.
      this.keepAlive = false;
    }
    return this.state === 'done';
  }

  /** The peer closed the connection: that ends a body without length, anything else is cut short. */
  end(): void {
    if (this.state === 'until-close') {
      this.state = 'done';
      return;
    }
    if (this.state !== 'done') throw new ResponseFormatError(`connection closed before the response was complete (${this.state === 'head' ? 'in the headers' : 'in the body'})`);
  }

  body(): Buffer {
    return this.bodyParts.length === 1 ? this.bodyParts[0] : Buffer.concat(this.bodyParts, this.bodyBytes);
  }

  /** Consumes a prefix of `data` in the current state; returns the rest. */
  private step(data: Buffer): Buffer {
    switch (this.state) {
      case 'head':
        return this.readHead(data);
      case 'length':
      case 'chunk-data':
        return this.readBody(data);
      case 'chunk-end':
        return this.readChunkEnd(data);
      case 'chunk-size':
        return this.readLine(data, (line) => this.onChunkSize(line));
      case 'trailers':
        return this.readLine(data, (line) => {
          if (line.length === 0) this.state = 'done';
        });
      case 'until-close':
        this.addBody(data);
        return EMPTY;
      default:
        return data;
    }
  }

  private readHead(data: Buffer): Buffer {
    const bytes = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    // The terminator may straddle the previous piece: search from just before where it ended.
    const end = bytes.indexOf(HEAD_END, Math.max(0, this.pending.length - 3));
    if (end === -1) {
      if (bytes.length > MAX_HEAD_BYTES) throw new ResponseFormatError(`response headers exceed ${MAX_HEAD_BYTES} bytes`);
      this.pending = bytes;
      return EMPTY;
    }
    if (end > MAX_HEAD_BYTES) throw new ResponseFormatError(`response headers exceed ${MAX_HEAD_BYTES} bytes`);
    this.pending = EMPTY;
    this.onHead(bytes.toString('latin1', 0, end));
    return bytes.subarray(end + HEAD_END.length);
  }

  private onHead(head: string): void {
    const lines = head.split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (status === null) throw new ResponseFormatError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 40))}`);
    this.statusCode = Number(status[2]);
    let connection = '';
    let transferEncoding = '';
    let contentLength: string | undefined;
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) throw new ResponseFormatError(`malformed header line: ${JSON.stringify(lines[i].slice(0, 40))}`);
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      if (name === 'connection') {connection += `,${value.toLowerCase()}`;} else if (name === 'transfer-encoding') {transferEncoding += `,${value.toLowerCase()}`;} else if (name === 'content-length') {
        if (contentLength !== undefined && contentLength !== value) throw new ResponseFormatError('conflicting Content-Length headers');
        contentLength = value;
      }
    }
    if (this.statusCode >= 100 && this.statusCode < 200) {
      // An interim response (e.g. 100 Continue): the final one follows on the same connection.
      this.keepAlive = true;
      return;
    }
    const tokens = connection.split(',').map((token) => token.trim());
    this.keepAlive = status[1] === '1' ? !tokens.includes('close') : tokens.includes('keep-alive');
    this.frameBody(transferEncoding, contentLength);
  }

  private frameBody(transferEncoding: string, contentLength: string | undefined): void {
    const codings = transferEncoding.split(',').map((token) => token.trim()).filter((token) => token !== '');
    if (this.statusCode === 204 || this.statusCode === 304) {
      this.state = 'done';
    } else if (codings.length > 0) {
      // RFC 9112 6.3: chunked must be the last coding; without it the body runs to the close.
      if (codings[codings.length - 1] === 'chunked') this.state = 'chunk-size';
      else this.untilClose();
    } else if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength)) throw new ResponseFormatError(`invalid Content-Length ${JSON.stringify(contentLength.slice(0, 20))}`);
      this.remaining = Number(contentLength);
      this.checkBodySize(this.remaining);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else {
      this.untilClose();
    }
  }

  private untilClose(): void {
    this.keepAlive = false;
    this.state = 'until-close';
  }

  private readBody(data: Buffer): Buffer {
    const take = Math.min(this.remaining, data.length);
    this.addBody(take === data.length ? data : data.subarray(0, take));
    this.remaining -= take;
    if (this.remaining === 0) {
      if (this.state === 'length') {this.state = 'done';} else {
        this.state = 'chunk-end';
        this.remaining = CRLF.length;
      }
    }
    return data.subarray(take);
  }

  private readChunkEnd(data: Buffer): Buffer {
    const take = Math.min(this.remaining, data.length);
    for (let i = 0; i < take; i++) {
      if (data[i] !== CRLF[CRLF.length - this.remaining + i]) throw new ResponseFormatError('chunk data is not followed by CRLF');
    }
    this.remaining -= take;
    if (this.remaining === 0) this.state = 'chunk-size';
    return data.subarray(take);
  }

  /** Gathers one CRLF-terminated line (which may arrive in pieces) and hands it over without the CRLF. */
  private readLine(data: Buffer, onLine: (line: string) => void): Buffer {
    const bytes = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const end = bytes.indexOf(CRLF, Math.max(0, this.pending.length - 1));
    if (end === -1) {
      if (bytes.length > MAX_LINE_BYTES) throw new ResponseFormatError(`a chunk-size or trailer line exceeds ${MAX_LINE_BYTES} bytes`);
      this.pending = bytes;
      return EMPTY;
    }
    this.pending = EMPTY;
    onLine(bytes.toString('latin1', 0, end));
    return bytes.subarray(end + CRLF.length);
  }

  private onChunkSize(line: string): void {
    // Chunk extensions (`;name=value`) carry nothing this client needs.
    const size = line.split(';')[0].trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new ResponseFormatError(`invalid chunk size ${JSON.stringify(size.slice(0, 20))}`);
    this.remaining = parseInt(size, 16);
    if (this.remaining === 0) {
      this.state = 'trailers';
      return;
    }
    this.checkBodySize(this.bodyBytes + this.remaining);
    this.state = 'chunk-data';
  }

  private addBody(part: Buffer): void {
    this.checkBodySize(this.bodyBytes + part.length);
    this.bodyParts.push(part);
    this.bodyBytes += part.length;
  }

  private checkBodySize(bytes: number): void {
    if (bytes > this.maxBodyBytes) throw new ResponseFormatError(`response body exceeds ${this.maxBodyBytes} bytes`);
  }
}

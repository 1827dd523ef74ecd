/**
 * GET over kept-alive HTTP/1.1 connections to one plain-HTTP origin: the task metadata endpoint,
 * a link-local server of the ECS agent that the exporter asks twice per collection.
 *
 * It is written on `node:net` rather than `node:http` because of what a request costs: the image
 * runs V8 without its optimizing tiers, and node:http's request, agent, incoming-message and
 * stream objects then cost about 0.5 ms of CPU per request, about as much as everything else a
 * small collection does (runtime/bench/FINDINGS.md). Here a request is one write and a parser fed
 * by the socket (response-parser.ts).
 */
import { connect, type Socket } from 'node:net';
import { ResponseParser } from './response-parser';

export interface HttpGetResponse {
  readonly statusCode: number;
  readonly body: Buffer;
}

/** No response headers, or then no complete body, within the time limit. */
export class RequestTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestTimeout';
  }
}

export interface HttpGetClientOptions {
  /** Kept-alive connections kept for the next requests (the collector makes two at once). @default 2 */
  readonly maxIdleConnections?: number;
  /** A larger body is an error: a broken endpoint cannot make the sidecar hold it. @default 64 MiB */
  readonly maxBodyBytes?: number;
}

/** 200 containers' stats are about 1.3 MB; a body 50 times that is not a task's stats. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

export class HttpGetClient {
  private readonly host: string;
  private readonly port: number;
  private readonly requestHead: (path: string) => string;
  private readonly idle: Connection[] = [];
  private readonly maxIdle: number;
  private readonly maxBodyBytes: number;
  private closed = false;

  /** `origin`: an http:// URL; its path is not used. */
  constructor(origin: string, options: HttpGetClientOptions = {}) {
    const url = new URL(origin);
    if (url.protocol !== 'http:') throw new Error(`only http:// is supported for the task metadata endpoint, got ${url.protocol}//`);
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port === '' ? 80 : Number(url.port);
    const hostHeader = url.host;
    this.requestHead = (path) => `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nAccept: application/json\r\n\r\n`;
    this.maxIdle = options.maxIdleConnections ?? 2;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /**
   * One GET of `path` (starting with `/`). The headers, and then the body, each get `timeoutMs`.
   * Rejects with RequestTimeout, ResponseFormatError or the socket's error.
   */
  async get(path: string, timeoutMs: number): Promise<HttpGetResponse> {
    if (this.closed) throw new Error('the client is closed');
    const reused = this.takeIdle();
    if (reused !== undefined) {
      try {
        return await this.exchange(reused, path, timeoutMs);
      } catch (error) {
        // The server may close a kept-alive connection just as a request goes out on it (Go's
        // idle timeout): before any byte of an answer, a GET is safe to send again, once, fresh.
        if (!(error instanceof ClosedBeforeAnswer)) throw error;
      }
    }
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    return this.exchange(new Connection(socket, (connection) => this.discardIdle(connection)), path, timeoutMs);
  }

  /** Closes the kept-alive connections; requests in flight finish or fail on their own. */
  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  private takeIdle(): Connection | undefined {
    let connection = this.idle.pop();
    while (connection !== undefined && (connection.socket.destroyed || !connection.socket.writable)) connection = this.idle.pop();
    return connection;
  }

  private exchange(connection: Connection, path: string, timeoutMs: number): Promise<HttpGetResponse> {
    return new Promise((resolve, reject) => {
      const { socket } = connection;
      const parser = new ResponseParser(this.maxBodyBytes);
      let received = false;
      let timer = setTimeout(() => fail(new RequestTimeout(`no response headers within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        connection.answer = undefined;
        socket.destroy();
        reject(error);
      };
      const finish = () => {
        clearTimeout(timer);
        connection.answer = undefined;
        if (parser.keepAlive) this.park(connection);
        else socket.destroy();
        resolve({ statusCode: parser.statusCode, body: parser.body() });
      };
      const cutShort = (message: string) => (received ? new Error(message) : new ClosedBeforeAnswer(message));
      connection.answer = {
        data: (chunk) => {
          received = true;
          const headBefore = parser.headComplete;
          try {
            if (parser.push(chunk)) {finish();} else if (!headBefore && parser.headComplete) {
              clearTimeout(timer);
              timer = setTimeout(() => fail(new RequestTimeout(`response body not complete within ${timeoutMs} ms`)), timeoutMs);
            }
          } catch (error) {
            fail(error as Error);
          }
        },
        end: () => {
          try {
            parser.end();
            finish();
          } catch (error) {
            fail(received ? (error as Error) : new ClosedBeforeAnswer('the connection was closed before any response'));
          }
        },
        error: (error) => fail(received ? error : new ClosedBeforeAnswer(error.message)),
        close: () => fail(cutShort('the connection was closed before the response was complete')),
      };
      socket.write(this.requestHead(path));
    });
  }

  /** Keeps a connection for the next request; one the server closes meanwhile simply drops out. */
  private park(connection: Connection): void {
    if (this.closed || this.idle.length >= this.maxIdle) {
      connection.socket.destroy();
      return;
    }
    this.idle.push(connection);
  }

  /** A parked connection ended, failed or sent bytes nobody asked for (out of step): it is not reused. */
  private discardIdle(connection: Connection): void {
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
    connection.socket.destroy();
  }
}

/** What the exchange in progress on a connection does with the socket's events. */
interface AnswerHandlers {
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
  close(): void;
}

/**
 * A socket with the one set of listeners it keeps for its whole life: each event goes to the
 * exchange in progress, or, between exchanges, takes the connection out of the pool. Adding and
 * removing four listeners per request and per parking cost about a tenth of a small collection's
 * CPU, interpreted (runtime/bench/FINDINGS.md).
 */
class Connection {
  answer: AnswerHandlers | undefined;

  constructor(readonly socket: Socket, onIdleEvent: (connection: Connection) => void) {
    socket.on('data', (chunk: Buffer) => (this.answer === undefined ? onIdleEvent(this) : this.answer.data(chunk)));
    socket.on('end', () => (this.answer === undefined ? onIdleEvent(this) : this.answer.end()));
    // Kept after a failure too: a destroyed socket may still report an error, which must not go unhandled.
    socket.on('error', (error: Error) => (this.answer === undefined ? onIdleEvent(this) : this.answer.error(error)));
    socket.on('close', () => (this.answer === undefined ? onIdleEvent(this) : this.answer.close()));
  }
}

/** A failure before any byte of the response: on a reused connection the GET is sent again. */
class ClosedBeforeAnswer extends Error {}

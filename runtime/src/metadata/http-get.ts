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
  private readonly idle: Socket[] = [];
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
    return this.exchange(connect({ host: this.host, port: this.port, noDelay: true }), path, timeoutMs);
  }

  /** Closes the kept-alive connections; requests in flight finish or fail on their own. */
  close(): void {
    this.closed = true;
    for (const socket of this.idle.splice(0)) socket.destroy();
  }

  private takeIdle(): Socket | undefined {
    let socket = this.idle.pop();
    while (socket !== undefined && (socket.destroyed || !socket.writable)) socket = this.idle.pop();
    if (socket !== undefined) unwatchIdle(socket);
    return socket;
  }

  private exchange(socket: Socket, path: string, timeoutMs: number): Promise<HttpGetResponse> {
    return new Promise((resolve, reject) => {
      const parser = new ResponseParser(this.maxBodyBytes);
      let received = false;
      let timer = setTimeout(() => fail(new RequestTimeout(`no response headers within ${timeoutMs} ms`)), timeoutMs);
      const detach = () => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('error', onError);
        socket.off('close', onClose);
      };
      const fail = (error: Error) => {
        detach();
        socket.on('error', ignore);
        socket.destroy();
        reject(error);
      };
      const finish = () => {
        detach();
        if (parser.keepAlive) this.park(socket);
        else socket.destroy();
        resolve({ statusCode: parser.statusCode, body: parser.body() });
      };
      const cutShort = (message: string) => (received ? new Error(message) : new ClosedBeforeAnswer(message));
      const onData = (chunk: Buffer) => {
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
      };
      const onEnd = () => {
        try {
          parser.end();
          finish();
        } catch (error) {
          fail(received ? (error as Error) : new ClosedBeforeAnswer('the connection was closed before any response'));
        }
      };
      const onError = (error: Error) => fail(received ? error : new ClosedBeforeAnswer(error.message));
      const onClose = () => fail(cutShort('the connection was closed before the response was complete'));
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.write(this.requestHead(path));
    });
  }

  /** Keeps a connection for the next request; one the server closes meanwhile simply drops out. */
  private park(socket: Socket): void {
    if (this.closed || this.idle.length >= this.maxIdle) {
      socket.destroy();
      return;
    }
    const discard = () => {
      const at = this.idle.indexOf(socket);
      if (at !== -1) this.idle.splice(at, 1);
      unwatchIdle(socket);
      socket.on('error', ignore);
      socket.destroy();
    };
    IDLE_WATCH.set(socket, discard);
    // Bytes nobody asked for mean the connection is out of step: it is not reused.
    socket.on('data', discard);
    socket.on('end', discard);
    socket.on('error', discard);
    socket.on('close', discard);
    this.idle.push(socket);
  }
}

/** The listener that takes a parked connection out of the pool when it ends or misbehaves. */
const IDLE_WATCH = new WeakMap<Socket, () => void>();

function unwatchIdle(socket: Socket): void {
  const discard = IDLE_WATCH.get(socket);
  if (discard === undefined) return;
  IDLE_WATCH.delete(socket);
  for (const event of ['data', 'end', 'error', 'close']) socket.off(event, discard);
}

/** A failure before any byte of the response: on a reused connection the GET is sent again. */
class ClosedBeforeAnswer extends Error {}

function ignore(): void {}

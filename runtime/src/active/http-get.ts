/**
 * One bounded GET over Node's built-in `http` (the scraper and the sidecar's own metadata): a whole-
 * request timeout and a cap on the body, so a slow or endless target can neither stall a round nor
 * fill memory. (undici cost ~28 MiB of RSS on Node 24 for what these plain GETs need.)
 */
import { get, type Agent } from 'node:http';

export interface HttpGetOptions {
  readonly timeoutMs: number;
  /** Bodies longer than this fail the request. */
  readonly maxBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly agent?: Agent;
  /** Aborts the request (e.g. on shutdown). */
  readonly signal?: AbortSignal;
}

export interface HttpGetResponse {
  readonly status: number;
  readonly body: string;
}

export function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetResponse> {
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
    : AbortSignal.timeout(options.timeoutMs);
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: options.agent, headers: options.headers, signal }, (response) => {
      const tooLarge = () => {
        const error = new Error(`response body exceeds the limit of ${options.maxBytes} bytes`);
        reject(error);
        response.destroy(error);
      };
      if (Number(response.headers['content-length']) > options.maxBytes) tooLarge();
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > options.maxBytes) tooLarge();
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
      response.on('aborted', () => reject(new Error('response aborted')));
    });
    request.on('error', (err) => reject(signal.aborted && !options.signal?.aborted ? new Error(`no answer within ${options.timeoutMs} ms`) : err));
  });
}

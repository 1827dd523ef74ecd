/**
 * Entry of the short-lived child process that makes Active mode's AWS API calls (started by
 * `AwsEnrichment` with `child_process.fork`). It exists so the long-lived exporter never loads the
 * AWS SDK clients: they would hold ~60 MiB of RSS for the life of the sidecar for answers fetched once.
 *
 * Protocol, over the fork IPC channel (JSON): the parent sends one `EnrichmentRequest`; the child
 * answers with any number of `{ kind: 'log' }` messages (the parent logs them through its own
 * structured logger) and one `{ kind: 'result' }`, then exits. The child writes nothing to stdout,
 * which is the parent's log stream; credentials come from the inherited environment, never the message.
 */
import { fetchAwsTaskInfo, type AwsTaskInfo } from './task-info';
import type { LogLevel } from '../../config';
import type { Logger } from '../../logger';
import type { TaskMetadata } from '../../metadata/types';

export interface EnrichmentRequest {
  readonly task: TaskMetadata;
  readonly region?: string;
  readonly endpoint?: string;
}

export type { LogLevel } from '../../config';

export type EnrichmentMessage =
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string; readonly fields?: Record<string, unknown> }
  | { readonly kind: 'result'; readonly info: AwsTaskInfo };

function send(message: EnrichmentMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())));
}

function forwardingLogger(): Logger {
  const forward = (level: LogLevel) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    void send({ kind: 'log', level, message, fields: fields as Record<string, unknown> | undefined }).catch(() => {});
  };
  const logger: Logger = { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error'), child: () => logger };
  return logger;
}

if (!process.send) {
  process.stderr.write('aws-enrichment-worker: must be started by the exporter with an IPC channel\n');
  process.exit(2);
}

process.once('message', (request: EnrichmentRequest) => {
  fetchAwsTaskInfo(request.task, { region: request.region, endpoint: request.endpoint, logger: forwardingLogger() })
    .then((info) => send({ kind: 'result', info }))
    // Exit at once: the SDK's keep-alive sockets and timers would otherwise hold this process (and its memory).
    .then(() => process.exit(0), (err: unknown) => {
      // The message's first line only (no stack, no request): the parent logs a line of stderr as the failure reason.
      process.stderr.write(`aws-enrichment-worker: ${String((err as Error)?.message ?? err).split('\n')[0]}\n`);
      process.exit(1);
    });
});
// The exporter went away (crash, SIGKILL) before asking or waiting: nothing left to answer.
process.once('disconnect', () => process.exit(0));

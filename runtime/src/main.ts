/**
 * Entry point of the sidecar image (`node /app/lib/main.js`): parse the config once, start the
 * exporter, shut down gracefully on SIGTERM/SIGINT. A bad configuration prints one line on stderr
 * and exits 1.
 */
import { ConfigError, parseConfig, type ExporterConfig } from './config';
import { startExporter } from './exporter';

/** Grace period for stop hooks (remote-write flush) before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config: ExporterConfig;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const exporter = await startExporter(config);
  // Active mode hook: when remoteWrite_url is set, load `./active` lazily here and hand it the
  // exporter handle (collector.onCollection, collector.latestTask, addFamilySource, onStop).
  if (config.remoteWrite !== undefined) {
    exporter.logger.warn('remoteWrite_url is set but Active mode is not wired into this build; serving metrics in Passive mode only');
  }

  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    exporter.logger.info('shutting down', { signal });
    const deadline = setTimeout(() => {
      exporter.logger.error('shutdown deadline passed; exiting', { deadlineMs: SHUTDOWN_DEADLINE_MS });
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    exporter.stop().then(
      () => process.exit(0),
      (error) => {
        exporter.logger.error('shutdown failed', { err: error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'exporter failed to start', err: { name: (error as Error).name, message: (error as Error).message } })}\n`);
  process.exit(1);
});

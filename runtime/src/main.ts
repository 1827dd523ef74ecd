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
  // Active mode (remoteWrite_url set): loaded lazily so Passive mode never loads the remote-write
  // code or the AWS SDK. It subscribes to collections, scrapes labelled containers, and registers
  // its queue flush as a stop hook (run first by exporter.stop()).
  if (config.remoteWrite !== undefined) {
    // The image starts node without V8's optimizing tiers (runtime/Dockerfile CMD): ~10 MiB less
    // RSS. Active mode keeps it so for a small task: with each series' labels encoded once,
    // interpreted Active mode costs ~12.5 ms of CPU per collection at 10 containers against ~10 ms
    // with Maglev, for 4-5 MiB less steady RSS and ~8 MiB less with a full outage queue
    // (runtime/bench/FINDINGS.md). A large task turns Maglev on in either mode (src/optimizing-compiler.ts).
    // V8 grows the old generation by up to 4x its live size when a process allocates fast, and Active
    // mode does (every sample is labelled, queued and encoded): 50 containers collected every 50 ms
    // held ~110 MiB of RSS for ~25 MiB of live heap, ~120 MiB with a full outage queue. A fixed 1.5x
    // growth keeps that at ~80 MiB, for more frequent major GCs. The flag is read at each GC.
    const { setFlagsFromString } = await import('node:v8');
    setFlagsFromString('--heap-growing-percent=50');
    const { startActiveMode } = await import('./active');
    try {
      await startActiveMode(exporter);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
      }
      throw error;
    }
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

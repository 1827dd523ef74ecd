/**
 * `npm run demo` (or `npx projen demo`): start a simulated ECS task and the exporter against it, and
 * print the URL to curl. No AWS needed. Options through the environment of this command only:
 * DEMO_SHAPE (fargate-v1 | ec2-bridge-v2 | ec2-host-v2), DEMO_CONTAINERS, DEMO_CPU_CORES,
 * httpListenPort (default 8014).
 */
import { parseConfig } from '../config';
import { startExporter } from '../exporter';
import { startSimulatedTask } from './server';
import { SIMULATED_SHAPES, type SimulatedShape } from './shapes';

/** The series the demo prints after its first collection: CPU, memory against the limit, network. */
const SAMPLE_METRICS = ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_spec_memory_limit_bytes', 'container_network_receive_bytes_total'];

async function demo(): Promise<void> {
  const shape = (process.env.DEMO_SHAPE ?? 'fargate-v1') as SimulatedShape;
  if (!SIMULATED_SHAPES.includes(shape)) throw new Error(`DEMO_SHAPE must be one of ${SIMULATED_SHAPES.join('|')}, got ${JSON.stringify(shape)}`);
  const task = await startSimulatedTask({
    shape,
    containers: Number(process.env.DEMO_CONTAINERS ?? 3),
    cpuCores: Number(process.env.DEMO_CPU_CORES ?? 0.25),
  });
  const config = parseConfig({ collectInterval: '5s', logLevel: 'info', ...process.env, ECS_CONTAINER_METADATA_URI_V4: task.metadataUri });
  const exporter = await startExporter(config, { host: '127.0.0.1' });
  await exporter.collector.collectNow();
  const lines = (await exporter.exposition()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const containerLines = lines.filter((line) => line.startsWith('container_') || line.startsWith('ecs_task_') || line.startsWith('ecs_container_'));
  const sample = SAMPLE_METRICS.flatMap((name) => containerLines.filter((line) => line.startsWith(`${name}{`)));
  process.stdout.write(
    [
      '',
      `Simulated ECS task (${shape}, ${task.options.containers} containers at ${task.options.cpuCores} cores each) at ${task.metadataUri}/task`,
      `The exporter reads it every ${config.collectIntervalMs / 1000} s (collectInterval).`,
      `Exporter metrics:  curl ${exporter.metricsUrl}`,
      `Exporter health:   curl ${exporter.url}/health`,
      '',
      `A few of the ${containerLines.length} container and task samples of the first collection:`,
      ...sample.map((line) => `  ${line}`),
      `(the endpoint also serves ${lines.length - containerLines.length} samples about the exporter itself: ecs_exporter_*, process_*, nodejs_*)`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n') + '\n',
  );
  const stop = async () => {
    await exporter.stop();
    await task.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

demo().catch((error) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});

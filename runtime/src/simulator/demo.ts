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
  process.stdout.write(
    [
      '',
      `Simulated ECS task (${shape}, ${task.options.containers} containers at ${task.options.cpuCores} cores each) at ${task.metadataUri}/task`,
      `Exporter metrics:  curl ${exporter.metricsUrl}`,
      `Exporter health:   curl ${exporter.url}/health`,
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

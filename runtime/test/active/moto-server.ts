/**
 * Runs moto's server (`pip install 'moto[server]'`) on 127.0.0.1 with a free port, so the AWS SDK is
 * exercised for real against an emulated ECS/EC2. A missing binary FAILS the test (CI installs it).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from './prometheus-server';

export const MOTO_BINARY = process.env.MOTO_SERVER_BINARY ?? 'moto_server';

export class MotoServer {
  private child?: ChildProcess;
  private output = '';
  port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const probe = spawnSync(MOTO_BINARY, ['--help'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(`${MOTO_BINARY} not runnable (${probe.error?.message ?? probe.stderr}): install it with "pip install 'moto[server]'" (.ci/run does)`);
    }
    this.port = await freePort();
    this.child = spawn(MOTO_BINARY, ['-H', '127.0.0.1', '-p', String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => { this.output += d; });
    this.child.stderr!.on('data', (d) => { this.output += d; });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`moto_server exited early:\n${this.output}`);
      try {
        const response = await fetch(`${this.endpoint}/moto-api/`);
        if (response.status < 500) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`moto_server not ready after 30 s:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Parent side of the fixture process (see fixture-process.mjs). */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE_SCRIPT = fileURLToPath(new URL('./fixture-process.mjs', import.meta.url));

export function startFixtureProcess() {
  const child = fork(FIXTURE_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  child.on('message', ({ id, result, error }) => {
    const waiter = pending.get(id);
    if (!waiter) return;
    pending.delete(id);
    if (error) waiter.reject(new Error(`fixture process: ${error}`));
    else waiter.resolve(result);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`fixture process exited (code ${code}, signal ${signal})`));
    pending.clear();
  });

  const call = (command, args) => {
    if (exited) return Promise.reject(new Error('fixture process is not running'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, command, args });
    });
  };

  return {
    start: (containers, libDir) => call('start', { containers, libDir }),
    counters: () => call('counters'),
    setOutage: (on) => call('setOutage', { on }),
    async close() {
      if (exited) return;
      await call('stop').catch(() => {});
      child.disconnect();
      await new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)));
    },
  };
}

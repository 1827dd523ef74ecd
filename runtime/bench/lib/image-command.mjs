/**
 * The command line the image starts the exporter with (the last CMD of runtime/Dockerfile, exec
 * form): the benchmark starts `node` with the same V8 flags, so what it measures is what ships.
 */

/** The node arguments between `node` and the entry point of the Dockerfile's final CMD. */
export function imageNodeArgs(dockerfileText) {
  const cmds = dockerfileText.split('\n').filter((line) => /^CMD\s+\[/.test(line.trim()));
  if (cmds.length === 0) throw new Error('the Dockerfile has no exec-form CMD ["node", ..., "/app/lib/main.js"]');
  const argv = JSON.parse(cmds[cmds.length - 1].trim().replace(/^CMD\s+/, ''));
  if (argv[0] !== 'node' || !String(argv[argv.length - 1]).endsWith('/lib/main.js')) {
    throw new Error(`the Dockerfile's CMD is not node ... lib/main.js: ${JSON.stringify(argv)}`);
  }
  return argv.slice(1, -1);
}

/**
 * On-disk size of what the image ships: the runtime Dockerfile copies the production
 * node_modules (its `deps` stage: `npm ci --omit=dev`, then pruning), the compiled `lib/` and
 * package.json into /app.
 * Sizes are apparent file sizes (what an image layer's tar stores), in bytes.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Total apparent size and file count of a directory tree; `skip(name, path)` prunes entries. */
export function directorySize(root, skip = () => false) {
  let bytes = 0;
  let files = 0;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skip(entry.name, path)) continue;
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) {
        bytes += lstatSync(path).size;
        files += 1;
      } else if (entry.isSymbolicLink()) {
        bytes += lstatSync(path).size;
      }
    }
  }
  return { bytes, files };
}

/**
 * The RUN commands of one stage of the Dockerfile (`FROM ... AS <stage>`), continuation lines joined.
 */
export function stageRunCommands(dockerfileText, stage) {
  const joined = dockerfileText.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim());
  const commands = [];
  let inStage = false;
  for (const line of joined) {
    if (/^FROM\s/i.test(line)) inStage = new RegExp(`\\sAS\\s+${stage}$`, 'i').test(line);
    else if (inStage && /^RUN\s/i.test(line)) commands.push(line.replace(/^RUN\s+/i, ''));
  }
  if (commands.length === 0) throw new Error(`the Dockerfile has no RUN command in a stage named "${stage}"`);
  return commands;
}

/**
 * Builds what the image's /app holds, in a scratch directory: the Dockerfile's `deps` stage (its
 * npm commands are run by the bench with the machine's npm cache, which the stage's
 * `npm cache clean` must not wipe; every other command of the stage runs as written), then lib/
 * and package.json. Needs the npm registry or npm's cache. The benchmark then runs the exporter
 * from there, so it measures and exercises exactly the pruned dependency tree the image ships.
 */
export async function assembleImageApp(runtimeDir, libDir) {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-image-app-'));
  const app = join(scratch, 'app');
  try {
    mkdirSync(app);
    copyFileSync(join(runtimeDir, 'package.json'), join(app, 'package.json'));
    copyFileSync(join(runtimeDir, 'package-lock.json'), join(app, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--loglevel=error'], {
      cwd: app,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const stageCommands = stageRunCommands(readFileSync(join(runtimeDir, 'Dockerfile'), 'utf8'), 'deps')
      .flatMap((command) => command.split(/\s&&\s/).map((part) => part.trim()))
      .filter((part) => !/^npm\s/.test(part));
    for (const command of stageCommands) await run('sh', ['-c', command], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
    rmSync(join(app, 'package-lock.json'));
    cpSync(libDir, join(app, 'lib'), { recursive: true });
    const dependencies = directorySize(join(app, 'node_modules'));
    const lib = directorySize(join(app, 'lib'));
    const manifestBytes = lstatSync(join(app, 'package.json')).size;
    return {
      appDir: app,
      remove: () => rmSync(scratch, { recursive: true, force: true }),
      shippedSize: {
        method: 'Dockerfile deps stage (npm ci --omit=dev + its pruning) in a scratch dir',
        stageCommands,
        dependenciesBytes: dependencies.bytes,
        dependencyFiles: dependencies.files,
        libBytes: lib.bytes,
        libFiles: lib.files,
        totalBytes: dependencies.bytes + lib.bytes + manifestBytes,
        largestPackages: await largestPackages(join(app, 'node_modules')),
      },
    };
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Offline estimate from the runtime's own node_modules: the package folders `npm ls --omit=dev`
 * names, each counted without its nested node_modules (those are listed on their own).
 */
export async function measureFromInstalledTree(runtimeDir) {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: runtimeDir, maxBuffer: 16 * 1024 * 1024 }).catch((error) => {
    // npm ls exits 1 on extraneous/invalid packages but still prints the tree.
    if (error.stdout) return { stdout: error.stdout };
    throw error;
  });
  const packageDirs = [...new Set(stdout.split('\n').map((line) => line.trim()).filter((line) => line && line !== runtimeDir))];
  let bytes = 0;
  let files = 0;
  for (const dir of packageDirs) {
    if (!existsSync(dir)) continue;
    const size = directorySize(dir, (name, path) => name === 'node_modules' && path !== dir);
    bytes += size.bytes;
    files += size.files;
  }
  return { method: 'local production tree, npm ls --omit=dev (an estimate: without the Dockerfile pruning)', bytes, files, packages: await largestPackages(join(runtimeDir, 'node_modules'), new Set(packageDirs)) };
}

/** The ten biggest top-level packages (scoped ones by full name), to say where the bytes are. */
async function largestPackages(nodeModules, onlyDirs) {
  const sizes = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = entry.name.startsWith('@')
      ? readdirSync(join(nodeModules, entry.name)).map((child) => `${entry.name}/${child}`)
      : [entry.name];
    for (const name of names) {
      const dir = join(nodeModules, name);
      if (onlyDirs && !onlyDirs.has(dir)) continue;
      sizes.push({ name, bytes: directorySize(dir).bytes });
    }
  }
  return sizes.sort((a, b) => b.bytes - a.bytes).slice(0, 10);
}

/** Short-mode estimate: the runtime's own production tree (without the Dockerfile's pruning) + lib/. */
export async function estimateShippedSizeFromLocalTree(runtimeDir) {
  const dependencies = await measureFromInstalledTree(runtimeDir);
  const lib = directorySize(join(runtimeDir, 'lib'));
  const manifestBytes = lstatSync(join(runtimeDir, 'package.json')).size;
  return {
    method: dependencies.method,
    dependenciesBytes: dependencies.bytes,
    dependencyFiles: dependencies.files,
    libBytes: lib.bytes,
    libFiles: lib.files,
    totalBytes: dependencies.bytes + lib.bytes + manifestBytes,
    largestPackages: dependencies.packages,
  };
}

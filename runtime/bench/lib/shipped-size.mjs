/**
 * On-disk size of what the image ships: the runtime Dockerfile copies the production
 * node_modules (`npm ci --omit=dev`), the compiled `lib/` and package.json into /app.
 * Sizes are apparent file sizes (what an image layer's tar stores), in bytes.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, lstatSync, mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
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
 * Installs the production dependencies from the lockfile into a temporary directory, exactly as
 * the Dockerfile's `deps` stage does, and measures them. Needs the npm registry (or npm's cache).
 */
export async function measureByInstall(runtimeDir) {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-shipped-'));
  try {
    copyFileSync(join(runtimeDir, 'package.json'), join(scratch, 'package.json'));
    copyFileSync(join(runtimeDir, 'package-lock.json'), join(scratch, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--loglevel=error'], {
      cwd: scratch,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    return { method: 'npm ci --omit=dev', ...directorySize(join(scratch, 'node_modules')), packages: await largestPackages(join(scratch, 'node_modules')) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
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
  return { method: 'npm ls --omit=dev (local tree)', bytes, files, packages: await largestPackages(join(runtimeDir, 'node_modules'), new Set(packageDirs)) };
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

/** The whole shipped payload: production dependencies + lib/ + package.json. */
export async function measureShippedSize(runtimeDir, { install }) {
  const dependencies = install ? await measureByInstall(runtimeDir) : await measureFromInstalledTree(runtimeDir);
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

/**
 * No Docker engine runs here, so the image is checked statically: the Dockerfile's layout matches
 * the contract, the build context (.dockerignore allow-list) holds everything it copies, and the
 * compiled code imports only production dependencies (the image installs nothing else).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('runtime image (static checks)', () => {
  test('multi-stage build, production dependencies only, non-root uid 1000, /app layout and entry point', () => {
    expect(instructions.filter((l) => /^FROM /.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(instructions.filter((l) => /^USER /.test(l))).toEqual(['USER 1000:1000']);
    expect(instructions.filter((l) => /^WORKDIR /.test(l)).pop()).toBe('WORKDIR /app');
    expect(instructions.filter((l) => /^CMD /.test(l))).toEqual(['CMD ["node", "--max-semi-space-size=2", "--no-opt", "--no-maglev", "--no-concurrent-recompilation", "/app/lib/main.js"]']);
    expect(dockerfile).toMatch(/HEALTHCHECK .*CMD \["node", "\/app\/lib\/healthcheck.js"\]/);
    expect(dockerfile).toMatch(/COPY --from=build --chown=1000:1000 \/build\/lib \.\/lib/);
  });

  test('the compiler writes src/main.ts and src/healthcheck.ts to lib/main.js and lib/healthcheck.js', () => {
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8').replace(/^\/\/.*$/gm, ''));
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'lib' });
    expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
    expect(existsSync(join(ROOT, 'src', 'healthcheck.ts'))).toBe(true);
  });

  test('the build context allow-list holds every file the Dockerfile copies', () => {
    const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8')).toMatch(/^\*$/m);
    const copied = instructions
      .filter((l) => /^COPY /.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.replace(/^COPY (--\S+ )*/, '').split(/\s+/).slice(0, -1));
    expect([...new Set(copied)].sort()).toEqual(['package-lock.json', 'package.json', 'src', 'tsconfig.json']);
    for (const path of copied) {
      expect(existsSync(join(ROOT, path))).toBe(true);
      expect(allowed.some((pattern) => pattern === path || pattern === `${path}/**`)).toBe(true);
    }
  });

  test('runtime sources import only Node built-ins and production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const production = new Set(Object.keys(pkg.dependencies ?? {}));
    const builtins = new Set(builtinModules);
    const offenders: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"]([^'"]+)['"]/g)) {
        const specifier = match[1];
        if (specifier.startsWith('.')) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        if (builtins.has(name.replace(/^node:/, '')) || production.has(name)) continue;
        offenders.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

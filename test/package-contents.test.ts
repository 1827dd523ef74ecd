import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The npm tarball (and so the Python wheel and Java jar, which embed it) must carry what the
 * bundled image is built from, because `ContainerImage.fromAsset` builds it on the user's machine
 * from the installed package; and nothing that is only for development.
 */
const ROOT = path.join(__dirname, '..');

function packedFiles(): string[] {
  const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm pack --dry-run failed: ${result.stderr}`);
  return JSON.parse(result.stdout)[0].files.map((f: { path: string }) => f.path);
}

/** Build-context paths the runtime Dockerfile COPYs (COPY without --from). */
function dockerfileContextSources(): string[] {
  return fs.readFileSync(path.join(ROOT, 'runtime', 'Dockerfile'), 'utf8').split('\n')
    .map(line => line.trim())
    .filter(line => /^COPY\s/i.test(line) && !/--from=/i.test(line))
    .flatMap(line => line.split(/\s+/).slice(1).filter(arg => !arg.startsWith('--')).slice(0, -1))
    .map(source => source.replace(/\/$/, ''));
}

describe('the npm package', () => {
  const files = packedFiles();

  test('ships every file the runtime Dockerfile copies from its build context', () => {
    const sources = dockerfileContextSources();
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const shipped = files.filter(f => f === `runtime/${source}` || f.startsWith(`runtime/${source}/`));
      expect({ source, shipped: shipped.length > 0 }).toEqual({ source, shipped: true });
    }
    expect(files).toContain('runtime/Dockerfile');
  });

  test('ships every runtime source file', () => {
    const sourceFiles = walk(path.join(ROOT, 'runtime', 'src')).map(f => path.relative(ROOT, f).split(path.sep).join('/'));
    expect(sourceFiles.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining(sourceFiles));
  });

  test('leaves out runtime dependencies, build output, tests and the examples', () => {
    const unwanted = files.filter(f => /^runtime\/(node_modules|lib|test|coverage|test-reports|bench)\//.test(f) || f.startsWith('examples/'));
    expect(unwanted).toEqual([]);
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

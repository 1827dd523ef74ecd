/**
 * ARCHITECTURE.md names files by their path: each one must exist, so the map follows the tree when
 * files move.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const RUNTIME = path.join(__dirname, '..');
const text = fs.readFileSync(path.join(RUNTIME, 'ARCHITECTURE.md'), 'utf8');

test('every src/ path ARCHITECTURE.md names exists', () => {
  const paths = [...new Set([...text.matchAll(/\bsrc\/[\w./-]*[\w/]/g)].map((m) => m[0]))];
  expect(paths.length).toBeGreaterThan(20);
  const missing = paths.filter((p) => !fs.existsSync(path.join(RUNTIME, p)));
  expect(missing).toEqual([]);
});

test('every .ts file ARCHITECTURE.md names is given by its src/ path', () => {
  const bare = [...text.matchAll(/[\w./-]+\.ts\b/g)].map((m) => m[0]).filter((name) => !name.startsWith('src/'));
  expect(bare).toEqual([]);
});

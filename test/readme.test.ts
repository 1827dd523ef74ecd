import * as fs from 'fs';
import * as path from 'path';

/**
 * The README is the front page: it stays short (long material lives in docs/), and every relative
 * link in it and in the pages it links to resolves to a file of the repository and, for `#anchors`,
 * to a heading of that file.
 */
const ROOT = path.join(__dirname, '..');
const MAX_README_LINES = 400;
const PAGES = ['README.md', 'runtime/README.md', 'monitoring/README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).map(f => `docs/${f}`)];
/** Written by the runtime benchmark (`npx projen bench`); checked once it exists. */
const GENERATED_PAGES = new Set(['docs/benchmark.md']);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of text.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = slug(match[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function relativeLinks(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map(m => m[1])
    .filter(link => !/^[a-z]+:/i.test(link));
}

test(`the README has at most ${MAX_README_LINES} lines`, () => {
  const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length;
  expect(lines).toBeLessThanOrEqual(MAX_README_LINES);
});

test('the README speaks to users: no benchmark tables or internal notes on the front page', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(readme).not.toMatch(/bench:latest|catalog:begin|issue \d|ticket/i);
});

describe.each(PAGES)('links in %s', page => {
  const links = relativeLinks(page);
  test.each(links.length > 0 ? links : ['(none)'])('%s resolves', link => {
    if (link === '(none)') return;
    const [target, anchor] = link.split('#');
    const file = target === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), target));
    if (GENERATED_PAGES.has(file) && !fs.existsSync(path.join(ROOT, file))) return;
    expect({ link, exists: fs.existsSync(path.join(ROOT, file)) }).toEqual({ link, exists: true });
    if (anchor) {
      const anchorFile = fs.statSync(path.join(ROOT, file)).isDirectory() ? path.posix.join(file, 'README.md') : file;
      expect({ link, anchors: [...anchorsOf(anchorFile)].includes(anchor) }).toEqual({ link, anchors: true });
    }
  });
});

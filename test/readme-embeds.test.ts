import * as fs from 'fs';
import * as path from 'path';

/**
 * The Python and Java examples of docs/python-java.md are the files the binding tests run
 * (bindings/python, bindings/java), embedded verbatim between `<!-- embed: <path> -->` and
 * `<!-- /embed -->`. These tests keep the two equal, so the documentation cannot drift from tested code.
 */
const ROOT = path.join(__dirname, '..');
const PAGE = 'docs/python-java.md';
const README = fs.readFileSync(path.join(ROOT, PAGE), 'utf8');

/** Files the README must embed: the stacks the Python and Java tests synthesize. */
const REQUIRED_EMBEDS = [
  'bindings/python/sidecar_stacks.py',
  'bindings/java/src/main/java/io/asserts/examples/PassiveFargateStack.java',
  'bindings/java/src/main/java/io/asserts/examples/ActiveEc2Stack.java',
];

interface Embed {
  readonly file: string;
  readonly body: string;
}

function readmeEmbeds(markdown: string): Embed[] {
  const pattern = /<!-- embed: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n<!-- \/embed -->/g;
  return [...markdown.matchAll(pattern)].map(match => ({ file: match[1], body: match[2] }));
}

describe(`${PAGE} embeds of the binding examples`, () => {
  const embeds = readmeEmbeds(README);

  test('every embed marker is closed and well-formed', () => {
    const opened = README.match(/<!-- embed: /g)?.length ?? 0;
    expect(embeds.length).toBe(opened);
  });

  test('the page embeds the Python and Java stacks the binding tests synthesize', () => {
    expect(embeds.map(e => e.file)).toEqual(expect.arrayContaining(REQUIRED_EMBEDS));
  });

  const embeddedFiles = [...new Set([...REQUIRED_EMBEDS, ...embeds.map(e => e.file)])];
  test.each(embeddedFiles)('%s is embedded verbatim', file => {
    const embedded = embeds.find(e => e.file === file)?.body;
    const actual = fs.readFileSync(path.join(ROOT, file), 'utf8');
    // On failure: copy the file's current content between its embed markers in docs/python-java.md.
    expect(embedded).toEqual(actual);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCatalogMarkdown } from '../src/metrics/catalog';

const CATALOG_DOC = join(__dirname, '..', '..', 'docs', 'catalog.md');
const BLOCK = /(<!-- catalog:begin[^>]*-->\n)([\s\S]*?)(<!-- catalog:end -->)/;

describe('the metric catalog page (docs/catalog.md)', () => {
  test('is exactly the catalog table in code (name, type, unit, labels, source, v1/v2 notes)', () => {
    const page = readFileSync(CATALOG_DOC, 'utf8');
    const match = BLOCK.exec(page);
    expect(match).not.toBeNull();
    const expected = renderCatalogMarkdown() + '\n';
    if (process.env.UPDATE_README_CATALOG === '1' && match![2] !== expected) {
      writeFileSync(CATALOG_DOC, page.replace(BLOCK, (_all, begin, _old, end) => begin + expected + end));
      return;
    }
    // On failure: run `UPDATE_README_CATALOG=1 npx jest test/readme-catalog.test.ts` in runtime/.
    expect(match![2]).toBe(expected);
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, loadShape, type ShapeName } from './fixtures';
import { renderFamilies, renderFamiliesToBytes } from '../src/exposition';

/**
 * Golden files: the Passive exposition of each recorded shape, committed so a change in output is
 * seen in review (ecs_exporter's snapshot tests). Refresh with
 * `UPDATE_GOLDEN=1 npx jest test/golden.test.ts` in runtime/ and read the diff.
 */
const GOLDEN_DIR = join(__dirname, 'golden');
const RECORDED: readonly ShapeName[] = ['fargate-awsvpc-cgroupv1', 'ec2-bridge-cgroupv2', 'ec2-host-cgroupv2', 'ec2-awsvpc-health-cgroupv2'];

/** What the exporter serves (the bytes), checked against the text rendering of the same families. */
function goldenExposition(name: ShapeName): string {
  const shape = loadShape(name);
  const families = collect(shape.task, shape.stats).families;
  const text = renderFamiliesToBytes(families).toString('utf8');
  expect(text).toBe(renderFamilies(families));
  return text;
}

describe('golden Passive exposition per recorded shape', () => {
  test.each(RECORDED)('%s renders exactly as committed', (name) => {
    const file = join(GOLDEN_DIR, `${name}.prom`);
    const actual = goldenExposition(name);
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(file, actual);
      return;
    }
    expect(existsSync(file)).toBe(true);
    expect(actual).toBe(readFileSync(file, 'utf8'));
  });
});

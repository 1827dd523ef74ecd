import { renderFamilies, renderFamiliesToBytes } from '../src/exposition';
import type { MetricFamily } from '../src/model';

/** The bytes the exporter serves are exactly the UTF-8 of the text rendering, whatever the input. */
describe('renderFamiliesToBytes', () => {
  const shared = { container: 'app', image: 'repo/app:1' };
  const families: MetricFamily[] = [
    {
      name: 'container_cpu_usage_seconds_total',
      help: 'CPU "time"\nwith a \\ backslash',
      type: 'counter',
      samples: [
        { labels: shared, value: 1.5 },
        { labels: { container: 'é€😀', image: 'q"uote\\back\nline' }, value: 1e21 },
        { labels: {}, value: -0.000001 },
      ],
    },
    { name: 'empty_family', help: 'none', type: 'gauge', samples: [] },
    {
      name: 'container_memory_usage_bytes',
      help: 'bytes',
      type: 'gauge',
      samples: [
        { labels: shared, value: Number.NaN },
        { labels: shared, value: Number.POSITIVE_INFINITY },
        { labels: { ...shared, interface: 'eth0' }, value: Number.NEGATIVE_INFINITY },
        { labels: shared, value: 0, timestampMs: 1 },
      ],
    },
  ];

  test('escaping, non-ASCII label values, special values, empty families and labels', () => {
    expect(renderFamiliesToBytes(families)).toEqual(Buffer.from(renderFamilies(families), 'utf8'));
  });

  test('label bytes kept from one render to the next give the same bytes as a fresh render', () => {
    const cache = new WeakMap();
    const first = renderFamiliesToBytes(families, cache);
    expect(cache.get(shared)).toEqual(Buffer.from('{container="app",image="repo/app:1"}'));
    expect(renderFamiliesToBytes(families, cache)).toEqual(first);
    expect(first).toEqual(renderFamiliesToBytes(families));
  });

  test('a family rendered again under the same name with another HELP or TYPE gets its own lines', () => {
    const once = (help: string, type: MetricFamily['type']): MetricFamily[] => [{ name: 'reused_name', help, type, samples: [{ labels: shared, value: 1 }] }];
    for (const [help, type] of [['first', 'gauge'], ['second', 'gauge'], ['second', 'counter'], ['first', 'gauge']] as const) {
      expect(renderFamiliesToBytes(once(help, type)).toString()).toBe(`# HELP reused_name ${help}\n# TYPE reused_name ${type}\nreused_name{container="app",image="repo/app:1"} 1\n`);
    }
  });

  test('more distinct family names than the encoded-family cache holds render the same as text', () => {
    const named = Array.from({ length: 1500 }, (_, i): MetricFamily => ({ name: `family_${i}`, help: `help ${i}`, type: 'gauge', samples: [{ labels: shared, value: i }] }));
    expect(renderFamiliesToBytes(named)).toEqual(Buffer.from(renderFamilies(named), 'utf8'));
    expect(renderFamiliesToBytes(named)).toEqual(Buffer.from(renderFamilies(named), 'utf8'));
  });

  test('nothing to render is no bytes', () => {
    expect(renderFamiliesToBytes([]).length).toBe(0);
  });

  test('an exposition much larger than the previous one (the buffer grows)', () => {
    renderFamiliesToBytes([]);
    const many: MetricFamily[] = [{ name: 'm', help: 'h', type: 'gauge', samples: Array.from({ length: 5000 }, (_, i) => ({ labels: { container: `c${i % 97}`, long: 'x'.repeat(i % 300) }, value: i / 7 })) }];
    const expected = Buffer.from(renderFamilies(many), 'utf8');
    expect(expected.length).toBeGreaterThan(512 * 1024);
    expect(renderFamiliesToBytes(many)).toEqual(expected);
    // And a small one after it.
    expect(renderFamiliesToBytes(families)).toEqual(Buffer.from(renderFamilies(families), 'utf8'));
  });
});

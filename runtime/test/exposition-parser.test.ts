import { ExpositionParseError, parseExposition } from '../src/exposition-parser';

describe('exposition parser', () => {
  test('reads names, escaped label values, special values, timestamps and ignores comments', () => {
    const text = [
      '# HELP http_requests_total Requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",path="/a \\"b\\" \\\\ c\\nd",} 1027 1395066363000',
      'http_requests_total{ method = "get" }\t3',
      'temperature NaN',
      'up_bound +Inf',
      'low_bound -Inf',
      'tiny 1.5e-3\r',
      'big 2E+10',
      '# some other comment',
      'rpc_duration_seconds_bucket{le="0.5"} 129389',
      '# EOF',
      '',
    ].join('\n');
    const samples = parseExposition(text);
    expect(samples[0]).toEqual({ name: 'http_requests_total', labels: { method: 'post', path: '/a "b" \\ c\nd' }, value: 1027, timestampMs: 1395066363000 });
    expect(samples[1]).toEqual({ name: 'http_requests_total', labels: { method: 'get' }, value: 3 });
    expect(Number.isNaN(samples[2].value)).toBe(true);
    expect(samples.slice(3).map((s) => s.value)).toEqual([Infinity, -Infinity, 0.0015, 2e10, 129389]);
    expect(samples[7].labels).toEqual({ le: '0.5' });
  });

  test.each([
    ['a value that is not a number', 'm abc', /invalid value/],
    ['an unterminated label value', 'm{a="x} 1', /unterminated/],
    ['a repeated label', 'm{a="1",a="2"} 1', /repeated/],
    ['an invalid escape', 'm{a="\\t"} 1', /invalid escape/],
    ['a missing value', 'm{a="1"}', /expected a value/],
    ['a bad timestamp', 'm 1 12.5', /invalid timestamp/],
    ['a bad metric name', '9m 1', /expected a metric name/],
  ])('rejects %s with the line number', (_what, line, reason) => {
    expect(() => parseExposition(`ok 1\n${line}\n`)).toThrow(ExpositionParseError);
    expect(() => parseExposition(`ok 1\n${line}\n`)).toThrow(reason);
    expect(() => parseExposition(`ok 1\n${line}\n`)).toThrow(/^line 2:/);
  });
});

import * as fc from 'fast-check';
import { loadShape } from './fixtures';
import { RepeatedTaskBody } from '../src/metadata/repeated-task-body';

/** The recorded Fargate task (it carries `ClockDrift`, before `Containers`), encoded as the agent sends it. */
const recorded = loadShape('fargate-awsvpc-cgroupv1').task as Record<string, unknown>;
const withDrift = (drift: unknown, task: Record<string, unknown> = recorded) => Buffer.from(JSON.stringify({ ...task, ClockDrift: drift }));
const DRIFT = { ClockErrorBound: 0.446931, ReferenceTimestamp: '2024-05-02T10:05:00Z', ClockSynchronizationStatus: 'SYNCHRONIZED' };

function remembered(body: Buffer): { bodies: RepeatedTaskBody; parsed: object } {
  const bodies = new RepeatedTaskBody();
  const parsed = JSON.parse(body.toString()) as object;
  bodies.remember(body, parsed);
  return { bodies, parsed };
}

const withoutDrift = (document: unknown) => ({ ...(document as object), ClockDrift: undefined });

describe('a /task answer that repeats the last one is recognised', () => {
  test('the same bytes, or other values of ClockDrift (of another length too), give the last parse', () => {
    const { bodies, parsed } = remembered(withDrift(DRIFT));
    expect(bodies.parsedIfRepeated(withDrift(DRIFT))).toBe(parsed);
    expect(bodies.parsedIfRepeated(withDrift({ ...DRIFT, ClockErrorBound: 0.5870000000000001 }))).toBe(parsed);
    expect(bodies.parsedIfRepeated(withDrift({ ...DRIFT, ClockSynchronizationStatus: 'NOT_SYNCHRONIZED', Unknown: [1, 2] }))).toBe(parsed);
  });

  test('a change anywhere else, before or after ClockDrift, is not a repeat', () => {
    const { bodies } = remembered(withDrift(DRIFT));
    expect(bodies.parsedIfRepeated(withDrift(DRIFT, { ...recorded, Revision: '8' }))).toBeUndefined();
    const containers = recorded.Containers as Record<string, unknown>[];
    const stopped = containers.map((c, i) => (i === 1 ? { ...c, KnownStatus: 'STOPPED' } : c));
    expect(bodies.parsedIfRepeated(withDrift(DRIFT, { ...recorded, Containers: stopped }))).toBeUndefined();
    const body = withDrift(DRIFT);
    body[body.length - 4] = body[body.length - 4] === 0x61 ? 0x62 : 0x61;
    expect(bodies.parsedIfRepeated(body)).toBeUndefined();
  });

  test('ClockDrift appearing, going away, or turning into something not an object is not a repeat', () => {
    const { bodies } = remembered(withDrift(DRIFT));
    expect(bodies.parsedIfRepeated(withDrift(undefined))).toBeUndefined();
    expect(bodies.parsedIfRepeated(withDrift('drift'))).toBeUndefined();
    expect(bodies.parsedIfRepeated(Buffer.from(withDrift(DRIFT).toString().replace('"ClockErrorBound":0.446931', '"ClockErrorBound":')))).toBeUndefined();
    const without = remembered(withDrift(undefined));
    expect(without.bodies.parsedIfRepeated(withDrift(undefined))).toBe(without.parsed);
    expect(without.bodies.parsedIfRepeated(withDrift(DRIFT))).toBeUndefined();
  });

  test('a ClockDrift that holds an object or a brace in a string is only skipped when its bytes repeat too', () => {
    for (const drift of [{ ...DRIFT, Nested: { a: 1 } }, { ...DRIFT, Text: 'a}b' }]) {
      const { bodies, parsed } = remembered(withDrift(drift));
      expect(bodies.parsedIfRepeated(withDrift(drift))).toBe(parsed);
      expect(bodies.parsedIfRepeated(withDrift({ ...drift, ClockErrorBound: 0.5 }))).toBeUndefined();
    }
  });

  test('the body is copied when remembered: the buffer it came in may be reused', () => {
    const body = withDrift(DRIFT);
    const { bodies, parsed } = remembered(body);
    const again = Buffer.from(body);
    body.fill(0x20);
    expect(bodies.parsedIfRepeated(again)).toBe(parsed);
  });

  test('nothing remembered: nothing repeats', () => {
    expect(new RepeatedTaskBody().parsedIfRepeated(withDrift(DRIFT))).toBeUndefined();
  });

  test('whenever an edited body is taken for a repeat, it parses to the same task apart from ClockDrift', () => {
    const original = withDrift(DRIFT);
    const { bodies, parsed } = remembered(original);
    const driftAt = original.indexOf('"ClockDrift":{') + '"ClockDrift":'.length;
    // Edits of a few bytes from JSON's own alphabet, half of them inside or next to ClockDrift's value.
    const position = fc.oneof(fc.integer({ min: 0, max: original.length - 1 }), fc.integer({ min: driftAt - 4, max: driftAt + 110 }));
    const text = fc.stringOf(fc.constantFrom('{', '}', '"', ':', ',', '[', ']', '0', '1', 'a', ' ', '\\'), { maxLength: 4 });
    let taken = 0;
    fc.assert(
      fc.property(position, fc.integer({ min: 0, max: 4 }), text, (at, removed, inserted) => {
        const edited = Buffer.concat([original.subarray(0, at), Buffer.from(inserted), original.subarray(Math.min(original.length, at + removed))]);
        if (bodies.parsedIfRepeated(edited) !== parsed) return;
        taken++;
        expect(withoutDrift(JSON.parse(edited.toString()))).toEqual(withoutDrift(parsed));
      }),
      { seed: 20261203, numRuns: 3000 },
    );
    // The property is not vacuous: some edits inside the value are taken for repeats.
    expect(taken).toBeGreaterThan(10);
  });
});

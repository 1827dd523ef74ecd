/**
 * Defensive readers for untrusted JSON: each returns a usable value or undefined, never throws.
 * The transform reads metadata and stats only through these, so malformed or partial input means
 * "no series", never an exception, a NaN or an empty label.
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A finite number >= 0 (every quantity the endpoint reports is non-negative). */
export function asCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A non-blank string, trimmed. Numbers are accepted too (e.g. `Revision` as 5 or "5"). */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Milliseconds since the epoch from an RFC 3339 time; undefined for unparsable or zero times (`0001-01-01T00:00:00Z`). */
export function asTimeMs(value: unknown): number | undefined {
  const text = asText(value);
  if (text === undefined || typeof value !== 'string') return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Walk a path of object keys. */
export function dig(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    const object = asObject(current);
    if (object === undefined || !Object.prototype.hasOwnProperty.call(object, key)) return undefined;
    current = object[key];
  }
  return current;
}

/**
 * Reading untyped JSON (task metadata, a child's answer) field by field: a value of the wrong type
 * counts as absent, so it can lose one label but never reach the wire or throw later.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

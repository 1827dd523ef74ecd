/**
 * Typed access to snappyjs (which ships no declarations). Remote write requires the snappy BLOCK
 * format, which is what these two functions produce and read (not the framed/stream format).
 */
interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as SnappyJs;

export function snappyCompress(input: Uint8Array): Buffer {
  return Buffer.from(snappyjs.compress(input));
}

export function snappyUncompress(input: Uint8Array, maxLength?: number): Buffer {
  return Buffer.from(snappyjs.uncompress(input, maxLength));
}

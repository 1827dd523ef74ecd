/**
 * Prometheus text exposition (format 0.0.4) of metric families. HELP and TYPE once per family.
 * Samples are written without timestamps: the scraper stamps them, which keeps Prometheus'
 * staleness handling working when a container stops (explicit timestamps disable it).
 */
import { constants, gzipSync } from 'node:zlib';
import type { Labels, MetricFamily } from './model';

export function renderFamilies(families: readonly MetricFamily[]): string {
  // The transform hands every family of a container the same labels object: its `{...}` text is
  // built once per render and reused, instead of once per family (about 20 times per container).
  const labelText = new Map<Labels, string>();
  let text = '';
  for (const family of families) {
    if (family.samples.length === 0) continue;
    text += familyHeader(family.name, family.help, family.type);
    for (const sample of family.samples) {
      let labels = labelText.get(sample.labels);
      if (labels === undefined) {
        labels = renderLabels(sample.labels);
        labelText.set(sample.labels, labels);
      }
      text += `${family.name}${labels} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}

/**
 * The encoded `{...}` text of labels objects. Passed from one render to the next, it encodes each
 * label set once for as long as the transform hands out the same object (metrics/label-sets.ts).
 */
export type LabelBytesCache = WeakMap<Labels, Buffer>;

/**
 * The same text as `renderFamilies`, as UTF-8 bytes, written straight into one Buffer: each family's
 * name and HELP/TYPE lines and each labels object's `{...}` text are encoded once and copied for
 * every render and sample that uses them, so the only string built per sample is its value. With 200
 * containers that is ~1 MB of text that is never built as a string (runtime/bench/FINDINGS.md).
 */
export function renderFamiliesToBytes(families: readonly MetricFamily[], labelBytes: LabelBytesCache = new WeakMap()): Buffer {
  const out = new ByteWriter(lastRenderedBytes + 1024);
  // Index loops: interpreted (the image runs V8 without its optimizing tiers), `for...of` allocates
  // an iterator result per element (runtime/bench/FINDINGS.md).
  for (let f = 0; f < families.length; f++) {
    const family = families[f];
    const samples = family.samples;
    if (samples.length === 0) continue;
    const encoded = encodedFamily(family);
    out.copy(encoded.header);
    const name = encoded.name;
    for (let s = 0; s < samples.length; s++) {
      const sample = samples[s];
      let labels = labelBytes.get(sample.labels);
      if (labels === undefined) {
        labels = Buffer.from(renderLabels(sample.labels), 'utf8');
        labelBytes.set(sample.labels, labels);
      }
      // formatValue gives ASCII only ("NaN", "+Inf", digits, "e", "-", ".").
      out.sampleLine(name, labels, formatValue(sample.value));
    }
  }
  lastRenderedBytes = out.length;
  return out.bytes();
}

/** The size of the last render: the next one starts with a buffer that fits it. */
let lastRenderedBytes = 16 * 1024;

interface EncodedFamily {
  readonly help: string;
  readonly type: string;
  /** `# HELP ...\n# TYPE ...\n` */
  readonly header: Buffer;
  readonly name: Buffer;
}

/**
 * Families by name, encoded once: the catalog's ~40 families come back every collection, and their
 * HELP/TYPE lines cost more than the samples of a small task (two regex replaces and a string per
 * family, interpreted). Bounded, in case the families rendered were ever not the catalog's.
 */
const encodedFamilies = new Map<string, EncodedFamily>();
const MAX_ENCODED_FAMILIES = 1024;

function encodedFamily(family: MetricFamily): EncodedFamily {
  const known = encodedFamilies.get(family.name);
  if (known !== undefined && known.help === family.help && known.type === family.type) return known;
  if (encodedFamilies.size >= MAX_ENCODED_FAMILIES) encodedFamilies.clear();
  const encoded: EncodedFamily = {
    help: family.help,
    type: family.type,
    header: Buffer.from(familyHeader(family.name, family.help, family.type), 'utf8'),
    name: Buffer.from(family.name, 'utf8'),
  };
  encodedFamilies.set(family.name, encoded);
  return encoded;
}

/**
 * Buffer's latin1 writer, which `buffer.write(text, offset, 'latin1')` dispatches to (Node has
 * had it since 0.x; @types/node does not declare it). Called directly, a sample costs no
 * encoding lookup: this code runs interpreted (the image runs V8 without its optimizing tiers).
 */
interface EncodingWriters {
  latin1Write(text: string, offset: number): number;
}

type WritableBuffer = Buffer & EncodingWriters;

class ByteWriter {
  private buffer: WritableBuffer;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity) as WritableBuffer;
  }

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.length + bytes, this.buffer.length * 2)) as WritableBuffer;
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  copy(bytes: Buffer): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** `<name><labels> <value>\n`, `value` ASCII. */
  sampleLine(name: Buffer, labels: Buffer, value: string): void {
    let at = this.length;
    const end = at + name.length + labels.length + value.length + 2;
    if (end > this.buffer.length) this.reserve(end - at);
    const buffer = this.buffer;
    buffer.set(name, at);
    at += name.length;
    buffer.set(labels, at);
    at += labels.length;
    buffer[at++] = 0x20;
    at += buffer.latin1Write(value, at);
    buffer[at++] = 0x0a;
    this.length = at;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

export function renderLabels(labels: Labels): string {
  let text = '';
  for (const name in labels) text += `${text === '' ? '{' : ','}${name}="${escapeLabelValue(labels[name])}"`;
  return text === '' ? '' : `${text}}`;
}

/** The `# HELP` and `# TYPE` lines that open a family. */
export function familyHeader(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

const NEEDS_ESCAPE = /[\\"\n]/;

export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  // `value - value` is 0 for finite numbers only (NaN and ±Infinity give NaN): the common case first,
  // without a call (this runs interpreted, once per sample).
  if (value - value === 0) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * gzip level of the exposition. Level 1 against the default 6 (Node 24, runtime/bench/FINDINGS.md):
 * 50 containers 6.5 KB in 0.2 ms instead of 5.8 KB in 0.6 ms; 200 containers 19.4 KB in 0.7 ms
 * instead of 18.2 KB in 2.4 ms. The expositions repeat long label sets, so the fastest level
 * already finds nearly all of it.
 */
export const EXPOSITION_GZIP_LEVEL = constants.Z_BEST_SPEED;

/**
 * A part of the exposition as bytes, plain and (on first use) gzip-compressed. Parts are served
 * back to back: plain bytes concatenate into one text, gzip parts into a multi-member gzip body
 * (RFC 1952 2.2), which Go's reader (Prometheus), zlib and browsers decode as one.
 */
export class ExpositionPart {
  static of(text: string): ExpositionPart {
    return new ExpositionPart(Buffer.from(text, 'utf8'));
  }

  private compressed: Buffer | undefined;

  constructor(readonly plain: Buffer) {}

  /** The gzip member of this part, compressed once. */
  get gzip(): Buffer {
    this.compressed ??= gzipSync(this.plain, { level: EXPOSITION_GZIP_LEVEL });
    return this.compressed;
  }
}

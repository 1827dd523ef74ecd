/**
 * Parser of the Prometheus text exposition format 0.0.4 (what the scraped containers serve), careful
 * about the parts that trip simple parsers: escaped label values (`\\`, `\"`, `\n`), `NaN`/`+Inf`/`-Inf`,
 * optional timestamps, trailing commas in label sets, tabs, CRLF, and comment lines other than HELP
 * and TYPE (OpenMetrics' `# EOF` included). A malformed line fails the whole scrape, as in Prometheus.
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Explicit timestamp of the exposition line, in ms. */
  readonly timestampMs?: number;
}

export class ExpositionParseError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionParseError';
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** Go's strconv.ParseFloat spellings that Prometheus accepts, plus ordinary decimal numbers. */
export function parseSampleValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

export function parseExposition(text: string): ParsedSample[] {
  const samples: ParsedSample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    const lineNumber = index + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    samples.push(parseSampleLine(line, lineNumber));
  }
  return samples;
}

/** A position in one line, with the helpers the sample grammar needs. */
class Cursor {
  pos = 0;
  constructor(readonly line: string, private readonly lineNumber: number) {}
  peek(): string {
    return this.line[this.pos] ?? '';
  }
  fail(message: string): never {
    const shown = this.line.length > 120 ? this.line.slice(0, 120) + '...' : this.line;
    throw new ExpositionParseError(`${message} in ${JSON.stringify(shown)}`, this.lineNumber);
  }
  skipBlanks(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  /** A name whose first character matches `start` and the rest `rest`. */
  name(start: RegExp, rest: RegExp, what: string): string {
    const from = this.pos;
    if (!start.test(this.peek())) this.fail(`expected ${what}`);
    while (this.pos < this.line.length && rest.test(this.line[this.pos])) this.pos++;
    return this.line.slice(from, this.pos);
  }
}

function parseSampleLine(line: string, lineNumber: number): ParsedSample {
  const cursor = new Cursor(line, lineNumber);
  cursor.skipBlanks();
  const name = cursor.name(NAME_START, NAME_CHAR, 'a metric name');
  cursor.skipBlanks();
  const labels = cursor.peek() === '{' ? parseLabels(cursor) : {};
  const rest = line.slice(cursor.pos).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest[0] === '' || rest.length > 2) cursor.fail('expected a value and an optional timestamp');
  const value = parseSampleValue(rest[0]);
  if (value === undefined) cursor.fail(`invalid value ${JSON.stringify(rest[0])}`);
  let timestampMs: number | undefined;
  if (rest.length === 2) {
    if (!/^-?\d+$/.test(rest[1])) cursor.fail(`invalid timestamp ${JSON.stringify(rest[1])}`);
    timestampMs = Number(rest[1]);
  }
  return timestampMs === undefined ? { name, labels, value: value! } : { name, labels, value: value!, timestampMs };
}

/** `{name="value",...}` from the opening brace on (a trailing comma is allowed). */
function parseLabels(cursor: Cursor): Record<string, string> {
  const labels: Record<string, string> = {};
  cursor.pos++;
  for (;;) {
    cursor.skipBlanks();
    if (cursor.peek() === '}') break;
    const labelName = cursor.name(LABEL_START, LABEL_CHAR, 'a label name');
    cursor.skipBlanks();
    if (cursor.peek() !== '=') cursor.fail(`expected "=" after label ${labelName}`);
    cursor.pos++;
    cursor.skipBlanks();
    if (cursor.peek() !== '"') cursor.fail(`expected a quoted value for label ${labelName}`);
    cursor.pos++;
    const value = parseLabelValue(cursor, labelName);
    if (Object.prototype.hasOwnProperty.call(labels, labelName)) cursor.fail(`label ${labelName} repeated`);
    labels[labelName] = value;
    cursor.skipBlanks();
    if (cursor.peek() === ',') {
      cursor.pos++;
      continue;
    }
    if (cursor.peek() !== '}') cursor.fail('expected "," or "}" after a label');
    break;
  }
  cursor.pos++;
  return labels;
}

/** A quoted label value after its opening quote, unescaped, up to and past the closing quote. */
function parseLabelValue(cursor: Cursor, labelName: string): string {
  let value = '';
  for (;;) {
    if (cursor.pos >= cursor.line.length) cursor.fail(`unterminated value of label ${labelName}`);
    const ch = cursor.line[cursor.pos++];
    if (ch === '"') return value;
    if (ch !== '\\') {
      value += ch;
      continue;
    }
    const escaped = cursor.line[cursor.pos++];
    if (escaped === 'n') value += '\n';
    else if (escaped === '\\' || escaped === '"') value += escaped;
    else cursor.fail(`invalid escape "\\${escaped ?? ''}" in label ${labelName}`);
  }
}

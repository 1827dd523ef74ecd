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

function parseSampleLine(line: string, lineNumber: number): ParsedSample {
  let pos = 0;
  const fail = (message: string): never => {
    throw new ExpositionParseError(`${message} in ${JSON.stringify(line.length > 120 ? line.slice(0, 120) + '...' : line)}`, lineNumber);
  };
  const skipBlanks = () => {
    while (pos < line.length && (line[pos] === ' ' || line[pos] === '\t')) pos++;
  };
  skipBlanks();
  const nameStart = pos;
  if (!NAME_START.test(line[pos] ?? '')) fail('expected a metric name');
  while (pos < line.length && NAME_CHAR.test(line[pos])) pos++;
  const name = line.slice(nameStart, pos);

  const labels: Record<string, string> = {};
  skipBlanks();
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      skipBlanks();
      if (line[pos] === '}') {
        pos++;
        break;
      }
      const labelStart = pos;
      if (!LABEL_START.test(line[pos] ?? '')) fail('expected a label name');
      while (pos < line.length && LABEL_CHAR.test(line[pos])) pos++;
      const labelName = line.slice(labelStart, pos);
      skipBlanks();
      if (line[pos] !== '=') fail(`expected "=" after label ${labelName}`);
      pos++;
      skipBlanks();
      if (line[pos] !== '"') fail(`expected a quoted value for label ${labelName}`);
      pos++;
      let value = '';
      for (;;) {
        if (pos >= line.length) fail(`unterminated value of label ${labelName}`);
        const ch = line[pos++];
        if (ch === '"') break;
        if (ch === '\\') {
          const escaped = line[pos++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else fail(`invalid escape "\\${escaped ?? ''}" in label ${labelName}`);
        } else {
          value += ch;
        }
      }
      if (Object.prototype.hasOwnProperty.call(labels, labelName)) fail(`label ${labelName} repeated`);
      labels[labelName] = value;
      skipBlanks();
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] === '}') {
        pos++;
        break;
      }
      fail('expected "," or "}" after a label');
    }
  }

  const rest = line.slice(pos).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest[0] === '' || rest.length > 2) fail('expected a value and an optional timestamp');
  const value = parseSampleValue(rest[0]);
  if (value === undefined) fail(`invalid value ${JSON.stringify(rest[0])}`);
  let timestampMs: number | undefined;
  if (rest.length === 2) {
    if (!/^-?\d+$/.test(rest[1])) fail(`invalid timestamp ${JSON.stringify(rest[1])}`);
    timestampMs = Number(rest[1]);
  }
  return timestampMs === undefined ? { name, labels, value: value! } : { name, labels, value: value!, timestampMs };
}

/**
 * Prometheus text exposition (format 0.0.4) of metric families. HELP and TYPE once per family.
 * Samples are written without timestamps: the scraper stamps them, which keeps Prometheus'
 * staleness handling working when a container stops (explicit timestamps disable it).
 */
import type { MetricFamily } from './model';

export function renderFamilies(families: readonly MetricFamily[]): string {
  let text = '';
  for (const family of families) {
    if (family.samples.length === 0) continue;
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
        .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
        .join(',');
      text += `${family.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

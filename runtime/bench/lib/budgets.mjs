/**
 * The footprint budgets (Node 24, the built exporter started as the image starts it, 2-core
 * machine). Each budget names the scenarios it judges; the worst of their values decides PASS or
 * MISS. A budget whose scenarios did not run (short mode runs fewer) is reported as "n/a", never
 * as a pass.
 *
 * CPU per fresh data point: one collection, its render and one scrape, at equal collect and
 * scrape intervals. The limits are 1.5x (1 and 10 containers) and 1x (50 and 200) what
 * prometheus-community's ecs_exporter (Go, reads the metadata on every scrape) costs for the same
 * work, measured side by side on this machine: about 2.2 / 3.0 / 6 / 17 ms.
 */
const passive = (scenario) => scenario.mode === 'passive';
const active = (scenario) => scenario.mode === 'active';

const CPU_PER_DATA_POINT_LIMIT_MS = { 1: 3.3, 10: 4.5, 50: 6, 200: 17 };

const rssBudget = (id, description, filter, containers, limit) => ({
  id,
  description,
  limit,
  unit: 'MiB',
  values: (results) => results.scenarios.filter((s) => filter(s) && s.containers === containers).map((s) => ({ where: `${s.mode}, ${s.containers} containers`, value: s.steadyRssMiB })),
});

export const BUDGETS = [
  rssBudget('passive-steady-rss-10', 'steady RSS in Passive mode, 10 containers', passive, 10, 60),
  rssBudget('passive-steady-rss-50', 'steady RSS in Passive mode, 50 containers', passive, 50, 64),
  rssBudget('active-steady-rss-10', 'steady RSS in Active mode, 10 containers', active, 10, 72),
  {
    id: 'active-full-queue-rss',
    description: 'RSS in Active mode with a full outage queue',
    limit: 80,
    unit: 'MiB',
    values: (results) => (results.outage ? [{ where: `active outage, ${results.outage.containers} containers, ${results.outage.queueCapacity} samples queued`, value: results.outage.fullQueueRssMiB }] : []),
  },
  {
    id: 'p99-scrape-latency-50',
    description: 'p99 scrape latency with 50 containers while collections run',
    limit: 5,
    unit: 'ms',
    values: (results) => results.scenarios.filter((s) => s.containers === 50).map((s) => ({ where: `${s.mode}, 50 containers, collections running`, value: s.mixedScrapeP99Ms })),
  },
  ...Object.entries(CPU_PER_DATA_POINT_LIMIT_MS).map(([containers, limit]) => ({
    id: `cpu-per-data-point-${containers}`,
    description: `CPU per fresh data point (collection + render + scrape), ${containers} container${containers === '1' ? '' : 's'}`,
    limit,
    unit: 'ms',
    values: (results) => results.scenarios.filter((s) => passive(s) && s.containers === Number(containers)).map((s) => ({ where: `${s.mode}, ${s.containers} containers`, value: s.cpuMsPerDataPoint })),
  })),
  {
    id: 'first-scrape',
    description: 'process start to first successful scrape (median of the starts)',
    limit: 150,
    unit: 'ms',
    values: (results) => results.scenarios.filter(passive).map((s) => ({ where: `${s.mode}, ${s.containers} containers`, value: s.firstScrapeMs })),
  },
  {
    id: 'shipped-size',
    description: 'on-disk size of what the image ships (production dependencies + lib/)',
    limit: 25,
    unit: 'MiB',
    values: (results) => (results.shippedSize ? [{ where: results.shippedSize.method, value: results.shippedSize.totalBytes / 1024 / 1024 }] : []),
  },
];

/** Judges every budget: { id, description, limit, unit, verdict: PASS|MISS|n/a, worst: {where, value} }. */
export function evaluateBudgets(results) {
  return BUDGETS.map((budget) => {
    const values = budget.values(results).filter((entry) => Number.isFinite(entry.value));
    if (values.length === 0) return { id: budget.id, description: budget.description, limit: budget.limit, unit: budget.unit, verdict: 'n/a' };
    const worst = values.reduce((a, b) => (b.value > a.value ? b : a));
    return {
      id: budget.id,
      description: budget.description,
      limit: budget.limit,
      unit: budget.unit,
      verdict: worst.value <= budget.limit ? 'PASS' : 'MISS',
      worst,
    };
  });
}

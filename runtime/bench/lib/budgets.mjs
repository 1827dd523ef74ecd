/**
 * The footprint budgets of issue 6 (2-core machine). Each budget names the scenarios it judges;
 * the worst of their values decides PASS or MISS. A budget whose scenarios did not run (short
 * mode runs fewer) is reported as "n/a", never as a pass.
 */
const passive = (scenario) => scenario.mode === 'passive';

export const BUDGETS = [
  {
    id: 'passive-steady-rss',
    description: 'steady RSS in Passive mode',
    limit: 64,
    unit: 'MiB',
    values: (results) => results.scenarios.filter(passive).map((s) => ({ where: `passive, ${s.containers} containers`, value: s.steadyRssMiB })),
  },
  {
    id: 'active-full-queue-rss',
    description: 'RSS in Active mode with a full outage queue',
    limit: 80,
    unit: 'MiB',
    values: (results) => (results.outage ? [{ where: `active outage, ${results.outage.containers} containers, ${results.outage.queueCapacity} samples queued`, value: results.outage.fullQueueRssMiB }] : []),
  },
  {
    id: 'p99-scrape-latency-50',
    description: 'p99 scrape latency with 50 containers (with and without collections running)',
    limit: 5,
    unit: 'ms',
    values: (results) => results.scenarios.filter((s) => s.containers === 50).flatMap((s) => [
      { where: `${s.mode}, 50 containers, collections paused`, value: s.scrapeP99Ms },
      { where: `${s.mode}, 50 containers, collections running`, value: s.mixedScrapeP99Ms },
    ]),
  },
  {
    id: 'cpu-per-scrape-10',
    description: 'CPU per scrape with 10 containers',
    limit: 2,
    unit: 'ms',
    values: (results) => results.scenarios.filter((s) => s.containers === 10).map((s) => ({ where: `${s.mode}, 10 containers`, value: s.cpuMsPerScrape })),
  },
  {
    id: 'first-scrape',
    description: 'process start to first successful scrape (median of the starts)',
    limit: 500,
    unit: 'ms',
    values: (results) => results.scenarios.map((s) => ({ where: `${s.mode}, ${s.containers} containers`, value: s.firstScrapeMs })),
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

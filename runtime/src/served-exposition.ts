/**
 * What the metrics endpoint serves: prom-client's registry (self and process metrics), the extra
 * family sources (Active mode's remote-write counters), then the container families of the latest
 * collection. The names of the three are disjoint.
 */
import type { Collection, Collector } from './collector';
import { ExpositionPart, renderFamilies, renderFamiliesToBytes, type LabelBytesCache } from './exposition';
import type { MetricFamily } from './model';
import { RegistryExposition } from './registry-exposition';
import type { SelfMetrics } from './self-metrics';

const EMPTY = ExpositionPart.of('');

export class ServedExposition {
  private readonly sources: (() => readonly MetricFamily[])[] = [];
  private rendered: { readonly collection: Collection | undefined; readonly part: ExpositionPart } = { collection: undefined, part: EMPTY };
  /** Each label set's text, encoded once while the collector keeps handing out the same labels object. */
  private readonly labelBytes: LabelBytesCache = new WeakMap();
  private readonly ownText: RegistryExposition;

  constructor(private readonly collector: Collector, private readonly selfMetrics: SelfMetrics) {
    this.ownText = new RegistryExposition(selfMetrics.registry);
    // The container families change only once per collection, so they are rendered to bytes once
    // per collection (eagerly, so that cost counts as collection work; gzip on the first scrape that
    // asks for it) and every scrape reuses them: with 50 containers that is ~200 KB of text, the
    // largest part of a scrape's CPU (runtime/bench).
    collector.onCollection(() => {
      this.containerPart();
    });
  }

  get contentType(): string {
    return this.selfMetrics.registry.contentType;
  }

  addFamilySource(source: () => readonly MetricFamily[]): void {
    this.sources.push(source);
  }

  /** The parts of one scrape, in the order they are served. */
  async parts(): Promise<readonly ExpositionPart[]> {
    const own = await this.ownText.text();
    // Taken after the await, together with the self-metrics it belongs to (nothing runs in between),
    // so a scrape serves one collection's container part even when a collection finishes meanwhile.
    const containers = this.containerPart();
    const extra = this.sources.length === 0 ? '' : renderFamilies(this.sources.flatMap((source) => source()));
    return [ExpositionPart.of(`${own.endsWith('\n') || own === '' ? own : own + '\n'}${extra}`), containers];
  }

  async text(): Promise<string> {
    return (await this.parts()).map((part) => part.plain.toString('utf8')).join('');
  }

  private containerPart(): ExpositionPart {
    const latest = this.collector.latest;
    if (this.rendered.collection !== latest) {
      this.rendered = { collection: latest, part: latest ? new ExpositionPart(renderFamiliesToBytes(latest.families, this.labelBytes)) : EMPTY };
    }
    return this.rendered.part;
  }
}

/**
 * Types shared by every part of the runtime: the pure transform produces them, the exposition
 * server and the remote-write sender consume them.
 */
export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge';
/** One sample; timestampMs is the stats' own `read` time when the source gives one. */
export interface Sample { readonly labels: Labels; readonly value: number; readonly timestampMs?: number }
export interface MetricFamily { readonly name: string; readonly help: string; readonly type: MetricType; readonly samples: readonly Sample[] }

/**
 * prom-client's registry and metric types, loaded from their own modules. `require('prom-client')`
 * loads everything the package has (default metrics, cluster, pushgateway and, through the CPU
 * default metric, @opentelemetry/api): about 21 MiB of RSS on Node 24, against about 3.4 MiB for
 * these four modules (runtime/bench/FINDINGS.md). The types come from the package's own typings.
 */
import type * as PromClient from 'prom-client';

/* eslint-disable @typescript-eslint/no-require-imports */
export const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
export const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
export const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
export const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
/* eslint-enable @typescript-eslint/no-require-imports */

export type Registry = PromClient.Registry;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;

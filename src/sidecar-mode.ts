/**
 * How the sidecar delivers the metrics it collects.
 */
export enum SidecarMode {
  /**
   * Remote-writes the task's metrics to a Prometheus-compatible TSDB, and also scrapes the other
   * containers of the task that carry the `PROMETHEUS_EXPORTER_*` docker labels.
   * Selected by setting `remoteWrite`.
   */
  ACTIVE = 'ACTIVE',
  /**
   * Serves the metrics on `port`/`metricsPath`; a central scraper (the Asserts AWS Exporter) finds
   * the sidecar through its docker labels. Selected when `remoteWrite` is not set.
   */
  PASSIVE = 'PASSIVE',
}

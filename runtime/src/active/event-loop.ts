/**
 * Lets whatever waits on the event loop run (a scrape of the sidecar's own endpoint, above all)
 * before the caller goes on. Active mode's work per collection is tens of milliseconds of CPU on the
 * interpreter; done in one go it made a scrape that arrived meanwhile wait for all of it, so long
 * loops do their work in slices and call this between them.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

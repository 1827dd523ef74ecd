/**
 * Lets I/O that became ready meanwhile (a scrape request, most of all) be handled before the caller
 * goes on: long synchronous steps (parsing, transforming and rendering a large task) call it between
 * them, so a scrape waits for one step rather than for the whole collection.
 *
 * One `setImmediate` is not enough when the caller runs in an I/O callback (a metadata response):
 * the check phase follows the poll phase that is running, before libuv polls again. The second one
 * runs after the next poll, which does not block while it is pending. Neither arms a timer, so the
 * process is not woken up again (a wake-up costs more CPU than the step on the benchmark's VM).
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Active mode's entry point, imported lazily by main.ts. */
export { startActiveMode, SHUTDOWN_FLUSH_DEADLINE_MS, type ActiveMode, type ActiveModeDeps } from './active-mode';

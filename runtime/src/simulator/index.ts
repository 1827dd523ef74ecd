/** The simulated ECS task, as a library for tests and the benchmark. */
export * from './server';
export * from './shapes';

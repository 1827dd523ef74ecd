export * from './asserts-sidecar';
export * from './asserts-sidecar-aspect';
export * from './remote-write';
export * from './sidecar-image';
export * from './sidecar-mode';

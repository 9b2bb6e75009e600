export * from './fake-clock.ts';
export * from './fake-component-config.ts';
export * from './fake-lifecycle.ts';
export * from './in-memory-pub-sub.ts';
export * from './memory-file-system.ts';
export * from './recording-logger.ts';
export * from './recording-metrics.ts';

/**
 * The contract between the five components: every topic, identity rule and message shape
 * (ARCHITECTURE §3) as zod schemas and TypeScript types. Components import only this, the ports and
 * the shared runtime.
 */
export * from './commands.ts';
export * from './events.ts';
export * from './fixtures.ts';
export * from './identity.ts';
export * from './metrics.ts';
export * from './primitives.ts';
export * from './relay.ts';
export * from './state.ts';
export * from './topics.ts';

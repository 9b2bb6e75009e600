/**
 * Composition root of com.matchdayalert.Scheduler: locates sql.js's wasm and hands the core to the shared
 * runner. The only file that reads the environment.
 */
import { COMPONENTS } from '../../shared/contracts/index.ts';
import { runComponent } from '../../shared/runtime/run-component.ts';
import { parseSchedulerConfig } from './config.ts';
import { locateSqlWasm } from './locate-sql-wasm.ts';
import { createScheduler } from './scheduler.ts';

// `__dirname` exists only in the CommonJS bundle, where it is the folder of index.cjs.
const wasmPath = locateSqlWasm(process.env, typeof __dirname === 'string' ? __dirname : undefined);

void runComponent({
  name: COMPONENTS.scheduler,
  parseConfig: parseSchedulerConfig,
  create: (ctx) => createScheduler(ctx, wasmPath === undefined ? {} : { wasmPath }),
});

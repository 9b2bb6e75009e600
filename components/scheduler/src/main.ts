/**
 * Composition root of com.matchdayalert.Scheduler: locates sql.js's wasm and hands the core to the shared
 * runner. The only file that reads the environment.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { COMPONENTS } from '../../shared/contracts/index.ts';
import { runComponent } from '../../shared/runtime/run-component.ts';
import { parseSchedulerConfig } from './config.ts';
import { createScheduler } from './scheduler.ts';

const WASM = 'sql-wasm.wasm';

/**
 * Where `sql-wasm.wasm` is: `SQLJS_WASM_PATH` when set; beside the bundle (`index.cjs`, where the build
 * copies it) when running bundled as CommonJS; else the sql.js package's own file (tsx, vitest).
 */
export function locateSqlWasm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SQLJS_WASM_PATH) return env.SQLJS_WASM_PATH;
  if (typeof __dirname === 'string' && existsSync(join(__dirname, WASM))) return join(__dirname, WASM);
  try {
    return createRequire(import.meta.url).resolve(`sql.js/dist/${WASM}`);
  } catch {
    return undefined;
  }
}

const wasmPath = locateSqlWasm();

void runComponent({
  name: COMPONENTS.scheduler,
  parseConfig: parseSchedulerConfig,
  create: (ctx) => createScheduler(ctx, wasmPath === undefined ? {} : { wasmPath }),
});

/**
 * Where sql.js's `sql-wasm.wasm` is, for the composition root: `SQLJS_WASM_PATH` when set; beside the
 * bundle (`index.cjs`, where `npm run build` copies it) when running bundled as CommonJS; else the sql.js
 * package's own file (tsx, vitest). `undefined` lets sql.js look beside its own JS file.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const WASM = 'sql-wasm.wasm';

export function locateSqlWasm(
  env: Readonly<Record<string, string | undefined>>,
  bundleDir?: string,
): string | undefined {
  if (env.SQLJS_WASM_PATH) return env.SQLJS_WASM_PATH;
  if (bundleDir !== undefined && existsSync(join(bundleDir, WASM))) return join(bundleDir, WASM);
  try {
    return createRequire(import.meta.url).resolve(`sql.js/dist/${WASM}`);
  } catch {
    return undefined;
  }
}

/** Composition root of com.matchdayalert.ShadowSync: runs the core under the shared runtime. */
import { COMPONENTS } from '../../shared/contracts/index.ts';
import { runComponent } from '../../shared/runtime/run-component.ts';
import { parseShadowSyncConfig } from './config.ts';
import { createShadowSync } from './shadow-sync.ts';

void runComponent({
  name: COMPONENTS.shadowSync,
  parseConfig: parseShadowSyncConfig,
  create: createShadowSync,
});

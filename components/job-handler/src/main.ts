/** Composition root of com.matchdayalert.JobHandler: runs the core under the shared runtime. */
import { COMPONENTS } from '../../shared/contracts/index.ts';
import { runComponent } from '../../shared/runtime/run-component.ts';
import { parseJobHandlerConfig } from './config.ts';
import { createJobHandler } from './job-handler.ts';

void runComponent({
  name: COMPONENTS.jobHandler,
  parseConfig: parseJobHandlerConfig,
  create: createJobHandler,
});

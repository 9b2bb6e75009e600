/** The smallest component: connects, reports RUNNING, does nothing. Bundled by bench/foundation.ts. */
import { runComponent } from '../../components/shared/runtime/run-component.ts';

void runComponent({
  name: 'com.matchdayalert.BenchMinimal',
  parseConfig: (raw) => Object.freeze(raw),
  create: () => ({ start: async () => undefined, stop: async () => undefined }),
});

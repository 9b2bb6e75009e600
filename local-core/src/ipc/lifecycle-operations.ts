/**
 * UpdateState / SubscribeToComponentUpdates / DeferComponentUpdate as LifecycleIPCEventStreamAgent serves
 * them. No accessControl policy is needed.
 */
import type { LifecycleListener } from '../nucleus/services.ts';
import type { IpcComponentUpdateHub } from './component-updates.ts';
import type { OperationSpec } from './operation.ts';

export function lifecycleOperations(
  lifecycle: LifecycleListener,
  updates: IpcComponentUpdateHub,
): Record<string, OperationSpec> {
  return {
    UpdateState: {
      plainJson: true,
      handle(request, { caller }) {
        const state = request.state;
        // State.valueOf throws outside translateExceptions in the nucleus: an unmodeled InternalServerError.
        if (state !== 'RUNNING' && state !== 'ERRORED')
          throw new Error(`No enum constant State.${String(state)}`);
        lifecycle.reportState(caller.component, state);
        return {};
      },
    },
    SubscribeToComponentUpdates: {
      plainJson: true,
      eventShape: 'ComponentUpdatePolicyEvents',
      handle(_request, context) {
        context.onClose(updates.subscribe(context.caller.component, (event) => context.emit(event)));
        return {};
      },
    },
    DeferComponentUpdate: {
      plainJson: true,
      handle(request, { caller }) {
        updates.defer(caller.component, request.deploymentId, request.message, request.recheckAfterMs);
        return {};
      },
    },
  };
}

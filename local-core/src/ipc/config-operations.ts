/**
 * GetConfiguration / SubscribeToConfigurationUpdate / UpdateConfiguration as ConfigStoreIPCEventStreamAgent
 * serves them, over the thing's ConfigStore. No accessControl policy is needed for any of them.
 */
import type { ConfigStore } from '../nucleus/services.ts';
import { IpcError, invalidArgumentsError, resourceNotFoundError } from './errors.ts';
import { isRecord, type OperationSpec } from './operation.ts';

const KEY_NOT_FOUND = 'Key not found';
const RESTRICTED_FIELDS = ['accessControl'];

function keyPathOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((segment) => (typeof segment === 'string' ? segment : JSON.stringify(segment)));
}

/** Topics.toPOJO: keys in case-insensitive order, keys starting with `_` left out. */
function toPojo(node: unknown): unknown {
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(node)
    .filter((key) => !key.startsWith('_'))
    .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  for (const key of keys) out[key] = toPojo(node[key]);
  return out;
}

/** The stored spelling of the last key of `keyPath` (configuration keys are case-insensitive). */
function leafName(config: ConfigStore, component: string, keyPath: readonly string[]): string {
  const last = keyPath[keyPath.length - 1] as string;
  const parent = config.get(component, keyPath.slice(0, -1));
  if (!isRecord(parent)) return last;
  return Object.keys(parent).find((key) => key.toLowerCase() === last.toLowerCase()) ?? last;
}

function componentOf(request: Record<string, unknown>, caller: string): string {
  return typeof request.componentName === 'string' ? request.componentName : caller;
}

export function configOperations(config: ConfigStore): Record<string, OperationSpec> {
  return {
    GetConfiguration: {
      plainJson: true,
      handle(request, { caller }) {
        const componentName = componentOf(request, caller.component);
        if (config.get(componentName, []) === undefined) throw resourceNotFoundError(KEY_NOT_FOUND);
        const keyPath = keyPathOf(request.keyPath);
        const node = config.get(componentName, keyPath);
        if (node === undefined) throw resourceNotFoundError(KEY_NOT_FOUND);
        const value =
          keyPath.length > 0 && !isRecord(node)
            ? { [leafName(config, componentName, keyPath)]: node }
            : toPojo(node);
        return { componentName, value };
      },
    },
    SubscribeToConfigurationUpdate: {
      plainJson: true,
      eventShape: 'ConfigurationUpdateEvents',
      handle(request, context) {
        const componentName = componentOf(request, context.caller.component);
        if (config.get(componentName, []) === undefined) throw resourceNotFoundError(KEY_NOT_FOUND);
        const keyPath = keyPathOf(request.keyPath);
        if (config.get(componentName, keyPath) === undefined) throw resourceNotFoundError(KEY_NOT_FOUND);
        const unsubscribe = config.subscribe(componentName, keyPath, (changed) => {
          // The nucleus drops changes that happen before the subscription's response is sent.
          if (!context.responded) return;
          context.emit({ configurationUpdateEvent: { componentName, keyPath: [...changed] } });
        });
        context.onClose(unsubscribe);
        return {};
      },
    },
    UpdateConfiguration: {
      plainJson: true,
      handle(request, { caller }) {
        const { timestamp, valueToMerge } = request;
        if (valueToMerge !== undefined && valueToMerge !== null && !isRecord(valueToMerge)) {
          // valueToMerge is a Map<String, Object>: Gson fails before the handler runs → InternalServerError.
          throw new Error('valueToMerge must be a JSON object (Expected BEGIN_OBJECT)');
        }
        if (typeof timestamp !== 'number') throw invalidArgumentsError('Timestamp is required');
        if (valueToMerge === undefined || valueToMerge === null) {
          throw invalidArgumentsError('ValueToMerge is required');
        }
        const keyPath = keyPathOf(request.keyPath);
        const touchesRestricted =
          keyPath.length === 0
            ? isRecord(valueToMerge) &&
              Object.keys(valueToMerge).some((key) => RESTRICTED_FIELDS.includes(key))
            : RESTRICTED_FIELDS.includes(keyPath[0] as string);
        if (touchesRestricted) {
          throw invalidArgumentsError(
            `Config update is not allowed for following fields [${RESTRICTED_FIELDS.join(', ')}]`,
          );
        }
        const timestampMs = timestamp * 1000;
        const existed = config.get(caller.component, keyPath) !== undefined;
        config.update(caller.component, keyPath, valueToMerge, timestampMs);
        const modified = config.modifiedAt?.(caller.component, keyPath);
        if (existed && modified !== undefined && timestampMs < modified) {
          throw new IpcError(
            'FailedUpdateConditionCheckError',
            "Proposed timestamp is older than the config's latest modified timestamp",
          );
        }
        return {};
      },
    },
  };
}

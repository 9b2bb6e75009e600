/**
 * accessControl as the nucleus matches it (AuthorizationPolicyParser, AuthorizationModule, WildcardTrie):
 * a component's own `accessControl` configuration grants it operations on resources of an IPC service.
 * STANDARD lookups (pubsub, shadows) treat `*` as a glob and MQTT wildcards as literal characters;
 * MQTT_STYLE lookups (mqttproxy) also let `+`/`#` in a policy match topic levels.
 */

export type ResourceLookupPolicy = 'STANDARD' | 'MQTT_STYLE';

const GLOB = '*';
const MULTI = '#';
const SINGLE = '+';
const SEPARATOR = '/';
const ESCAPE = '$';
const ESCAPED_QUESTION = ['$', '{?}'].join('');
const ESCAPES = ['$', '{*}, $', '{$}, or $', '{?}'].join('');

/** `${c}` → c, else undefined (WildcardTrie.getActualChar). */
function escapedChar(text: string, index: number): string | undefined {
  if (text.length - index < 4) return undefined;
  if (text[index] === ESCAPE && text[index + 1] === '{' && text[index + 3] === '}') return text[index + 2];
  return undefined;
}

/** A port of the nucleus's WildcardTrie (resource patterns of one principal/operation). */
class WildcardTrie {
  private isTerminal = false;
  private isTerminalLevel = false;
  private isWildcard = false;
  private isMqttWildcard = false;
  private matchAll = false;
  private readonly children = new Map<string, WildcardTrie>();

  private child(key: string): WildcardTrie {
    let node = this.children.get(key);
    if (!node) {
      node = new WildcardTrie();
      this.children.set(key, node);
    }
    return node;
  }

  add(subject: string | null): void {
    if (subject === null) return;
    if (subject === GLOB) {
      const initial = this.child(GLOB);
      initial.matchAll = true;
      initial.isTerminal = true;
      initial.isWildcard = true;
      return;
    }
    if (subject === MULTI) {
      const initial = this.child(MULTI);
      initial.matchAll = true;
      initial.isTerminal = true;
      initial.isMqttWildcard = true;
      return;
    }
    if (subject === SINGLE) {
      const initial = this.child(SINGLE);
      initial.isTerminal = true;
      initial.isMqttWildcard = true;
      return;
    }
    if (subject.startsWith(SINGLE + SEPARATOR)) {
      const initial = this.child(SINGLE);
      initial.isMqttWildcard = true;
      initial.addFrom(subject.substring(1), true);
    }
    this.addFrom(subject, true);
  }

  private addFrom(subject: string, isTerminal: boolean): WildcardTrie {
    if (subject.length === 0) {
      this.isTerminal ||= isTerminal;
      return this;
    }
    const length = subject.length;
    let current: WildcardTrie = this;
    let text = '';
    for (let i = 0; i < length; i += 1) {
      const char = subject[i] as string;
      if (char === GLOB) {
        current = current.addFrom(text, false).child(GLOB);
        current.isWildcard = true;
        if (i === length - 1) {
          current.isTerminal = isTerminal;
          return current;
        }
        return current.addFrom(subject.substring(i + 1), true);
      }
      if (char === MULTI) {
        const terminalLevel = current.addFrom(text, false);
        current = terminalLevel.child(MULTI);
        if (i === length - 1) {
          current.isTerminal = true;
          if (i > 0 && subject[i - 1] === SEPARATOR) {
            current.isMqttWildcard = true;
            current.matchAll = true;
            terminalLevel.isTerminalLevel = true;
          }
          return current;
        }
        return current.addFrom(subject.substring(i + 1), true);
      }
      if (char === SINGLE) {
        current = current.addFrom(text, false).child(SINGLE);
        if (i === length - 1) {
          current.isTerminal = true;
          if (i > 0 && subject[i - 1] === SEPARATOR) current.isMqttWildcard = true;
          return current;
        }
        if (i > 0 && subject[i - 1] === SEPARATOR && subject[i + 1] === SEPARATOR)
          current.isMqttWildcard = true;
        return current.addFrom(subject.substring(i + 1), true);
      }
      if (char === ESCAPE) {
        const actual = escapedChar(subject, i);
        if (actual !== undefined) {
          text += actual;
          i += 3;
          continue;
        }
      }
      text += char;
    }
    current = current.child(text);
    current.isTerminal ||= isTerminal;
    return current;
  }

  matchesStandard(str: string | null): boolean {
    if (str === null) return true;
    if ((this.isWildcard && this.isTerminal) || (this.isTerminal && str.length === 0)) return true;
    const pending: Array<[string, WildcardTrie]> = [];
    for (const [key, value] of this.children) {
      if (value.isWildcard && key === GLOB) {
        if (value.matchesStandard(str)) return true;
        continue;
      }
      if (str.startsWith(key) && value.matchesStandard(str.substring(key.length))) return true;
      if (this.isWildcard) {
        let found = str.indexOf(key);
        while (found >= 0) {
          pending.push([str.substring(found + key.length), value]);
          found = str.indexOf(key, found + 1);
        }
      }
    }
    return this.isWildcard && pending.some(([rest, node]) => node.matchesStandard(rest));
  }

  matchesMqtt(str: string | null): boolean {
    if (str === null) return true;
    if ((this.isWildcard && this.isTerminal) || (this.isTerminal && str.length === 0)) return true;
    if (this.isMqttWildcard && (this.matchAll || (this.isTerminal && !str.includes(SEPARATOR)))) return true;
    const pending: Array<[string, WildcardTrie]> = [];
    for (const [childKey, value] of this.children) {
      let key = childKey;
      if ((value.isWildcard && key === GLOB) || (value.isMqttWildcard && (key === SINGLE || key === MULTI))) {
        if (value.matchesMqtt(str)) return true;
        continue;
      }
      if (str.startsWith(key) && value.matchesMqtt(str.substring(key.length))) return true;
      const terminalKey = key.substring(0, key.length - 1);
      if (value.isTerminalLevel) {
        if (str === terminalKey) return true;
        if (str.endsWith(terminalKey)) key = terminalKey;
      }
      if (this.isWildcard) {
        let found = str.indexOf(key);
        while (found >= 0 && found < str.length) {
          pending.push([str.substring(found + key.length), value]);
          found = str.indexOf(key, found + 1);
        }
      }
      if (this.isMqttWildcard) {
        let found = str.indexOf(key);
        while (found >= 0 && found < str.length && !str.substring(0, found).includes(SEPARATOR)) {
          pending.push([str.substring(found + key.length), value]);
          found = str.indexOf(key, found + 1);
        }
      }
    }
    return (this.isWildcard || this.isMqttWildcard) && pending.some(([rest, node]) => node.matchesMqtt(rest));
  }

  matches(str: string | null, policy: ResourceLookupPolicy): boolean {
    return policy === 'MQTT_STYLE' ? this.matchesMqtt(str) : this.matchesStandard(str);
  }
}

/** Why a resource pattern is refused (AuthorizationModule.validateResource), or undefined when valid. */
export function invalidResourceReason(resource: string): string | undefined {
  if (resource.length === 0) return 'Resource cannot be empty';
  for (let i = 0; i < resource.length; i += 1) {
    const char = resource[i];
    if (char === ESCAPE && resource[i + 1] === '{') {
      const actual = escapedChar(resource, i);
      if (actual === undefined) {
        return `Resource contains an invalid escape sequence. You can use ${ESCAPES}`;
      }
      if (actual !== '*' && actual !== '$' && actual !== '?') {
        return `Resource contains an invalid escape sequence: $\{${actual}}. You can use ${ESCAPES}`;
      }
      i += 3;
      continue;
    }
    if (char === '?') {
      return `Resource contains invalid character: '?'. Use an escape sequence: ${ESCAPED_QUESTION}. The '?' character isn't supported as a wildcard`;
    }
  }
  return undefined;
}

/** One component's grants: service id → operation (or `*`) → resource trie. */
export class ComponentPolicies {
  private readonly grants = new Map<string, Map<string, WildcardTrie>>();

  grant(service: string, operation: string, resources: readonly string[] | null): void {
    let operations = this.grants.get(service);
    if (!operations) {
      operations = new Map();
      this.grants.set(service, operations);
    }
    let trie = operations.get(operation);
    if (!trie) {
      trie = new WildcardTrie();
      operations.set(operation, trie);
    }
    if (resources === null || resources.length === 0) trie.add(null);
    else for (const resource of resources) trie.add(resource);
  }

  /** AuthorizationHandler.isAuthorized for this principal: exact operation/resource first, then `*`. */
  isAuthorized(
    service: string,
    operation: string,
    resource: string | null,
    policy: ResourceLookupPolicy,
  ): boolean {
    const operations = this.grants.get(service);
    if (!operations) return false;
    for (const op of [operation, GLOB]) {
      const trie = operations.get(op);
      if (!trie) continue;
      if (trie.matches(resource, policy) || trie.matches(GLOB, policy)) return true;
    }
    return false;
  }
}

function caseInsensitive(record: Record<string, unknown>, key: string): unknown {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(record)) if (name.toLowerCase() === wanted) return value;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asStringSet(value: unknown, field: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new Error(`${field} must be a list, got ${JSON.stringify(value)}`);
  return [...new Set(value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))))];
}

export interface ParseOptions {
  /** Replaces `{iot:thingName}` etc. when the nucleus interpolates component configuration. */
  interpolate(text: string): string;
  log(event: string, fields?: Record<string, unknown>): void;
}

/**
 * Parses a component's `accessControl` value (object, or a JSON string leaf) like the nucleus: a value that
 * does not have the policy shape loses every policy of the component; a policy without operations is
 * ignored; a policy with an invalid resource is ignored.
 */
export function parseAccessControl(
  component: string,
  raw: unknown,
  options: ParseOptions,
): ComponentPolicies {
  const policies = new ComponentPolicies();
  if (raw === undefined || raw === null) return policies;
  let value = raw;
  const parsed: Array<{
    service: string;
    id: string;
    operations: string[] | null;
    resources: string[] | null;
  }> = [];
  try {
    if (typeof value === 'string') value = JSON.parse(value);
    if (!isRecord(value)) throw new Error('accessControl must be a map of IPC service ids');
    for (const [service, servicePolicies] of Object.entries(value)) {
      if (servicePolicies === null) continue;
      if (!isRecord(servicePolicies)) throw new Error(`accessControl.${service} must be a map of policies`);
      for (const [id, policy] of Object.entries(servicePolicies)) {
        if (policy === null) continue;
        if (!isRecord(policy)) throw new Error(`accessControl.${service}.${id} must be a policy object`);
        parsed.push({
          service,
          id,
          operations: asStringSet(
            caseInsensitive(policy, 'operations'),
            `accessControl.${service}.${id}.operations`,
          ),
          resources: asStringSet(
            caseInsensitive(policy, 'resources'),
            `accessControl.${service}.${id}.resources`,
          ),
        });
      }
    }
  } catch (error) {
    options.log('ipc.access-control.unparsable', { component, error: (error as Error).message });
    return new ComponentPolicies();
  }
  for (const { service, id, operations, resources } of parsed) {
    if (operations === null || operations.length === 0) {
      options.log('ipc.access-control.policy-ignored', {
        component,
        policyId: id,
        reason: 'Policy operations are missing or invalid',
      });
      continue;
    }
    const interpolated = resources?.map((resource) => options.interpolate(resource)) ?? null;
    const invalid = interpolated?.map(invalidResourceReason).find((reason) => reason !== undefined);
    if (invalid) {
      options.log('ipc.access-control.policy-ignored', { component, policyId: id, reason: invalid });
      continue;
    }
    for (const operation of operations) {
      if (operation.length === 0) continue;
      policies.grant(service, operation, interpolated);
    }
  }
  return policies;
}

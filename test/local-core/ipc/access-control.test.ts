import { describe, expect, it } from 'vitest';
import { parseAccessControl, type ResourceLookupPolicy } from '../../../local-core/src/ipc/access-control.ts';

const SERVICE = 'svc';
const OP = 'aws.greengrass#Op';
const E = '$'; // keeps `${…}` escapes out of template-literal lint

function allows(
  resources: string[],
  resource: string | null,
  lookup: ResourceLookupPolicy,
  operations = [OP],
) {
  const logs: string[] = [];
  const policies = parseAccessControl(
    'Comp',
    { [SERVICE]: { 'comp:1': { operations, resources } } },
    { interpolate: (text) => text, log: (event) => logs.push(event) },
  );
  return policies.isAuthorized(SERVICE, OP, resource, lookup);
}

describe('accessControl matching, STANDARD lookup (pubsub)', () => {
  it.each([
    [['*'], 'any/topic/at/all', true],
    [['a/*'], 'a/b/c', true],
    [['a/*/c'], 'a/b/c', true],
    [['a/*/c'], 'a/b/d', false],
    [['a*z'], 'abcz', true],
    [['a/#'], 'a/#', true],
    [['a/#'], 'a/b', false],
    [['a/+'], 'a/b', false],
    [['a/+'], 'a/+', true],
    [['$aws/things/t/shadow'], '$aws/things/t/shadow', true],
    [[`lit/${E}{*}`], 'lit/*', true],
    [[`lit/${E}{*}`], 'lit/x', false],
    [[`${E}{${E}}x`], '$x', true],
    [['exact'], 'exactly', false],
  ])('pattern %j against %s → %s', (resources, resource, expected) => {
    expect(allows(resources, resource, 'STANDARD')).toBe(expected);
  });
});

describe('accessControl matching, MQTT_STYLE lookup (mqttproxy)', () => {
  it.each([
    [['a/#'], 'a', true],
    [['a/#'], 'a/b/c', true],
    [['a/#'], 'ab', false],
    [['a/+/c'], 'a/b/c', true],
    [['a/+/c'], 'a/b/x/c', false],
    [['a/+'], 'a/b', true],
    [['a/+'], 'a/b/c', false],
    [['#'], 'x/y', true],
    [['+/b'], 'a/b', true],
    [['a/*'], 'a/b/c', true],
    [['a#'], 'a#', true],
    [['a#'], 'ab', false],
  ])('pattern %j against %s → %s', (resources, resource, expected) => {
    expect(allows(resources, resource, 'MQTT_STYLE')).toBe(expected);
  });
});

describe('accessControl policies', () => {
  it('grants every operation through a "*" operation', () => {
    expect(allows(['t'], 't', 'STANDARD', ['*'])).toBe(true);
  });

  it('does not grant an operation that is not listed', () => {
    expect(allows(['t'], 't', 'STANDARD', ['aws.greengrass#Other'])).toBe(false);
  });

  it('authorizes a missing resource whenever the operation has any policy, as the nucleus trie does', () => {
    expect(allows(['t'], null, 'STANDARD')).toBe(true);
  });

  it('ignores a policy whose resource uses an unescaped ?', () => {
    expect(allows(['a?', 'b'], 'b', 'STANDARD')).toBe(false);
  });

  it('drops every policy of a component whose operations are not a list', () => {
    const policies = parseAccessControl(
      'Comp',
      {
        [SERVICE]: {
          good: { operations: [OP], resources: ['*'] },
          bad: { operations: OP, resources: ['*'] },
        },
      },
      { interpolate: (text) => text, log: () => {} },
    );
    expect(policies.isAuthorized(SERVICE, OP, 'x', 'STANDARD')).toBe(false);
  });

  it('reads property names case-insensitively and accepts a JSON string accessControl', () => {
    const policies = parseAccessControl(
      'Comp',
      JSON.stringify({ [SERVICE]: { p: { Operations: [OP], RESOURCES: ['x'] } } }),
      { interpolate: (text) => text, log: () => {} },
    );
    expect(policies.isAuthorized(SERVICE, OP, 'x', 'STANDARD')).toBe(true);
  });
});

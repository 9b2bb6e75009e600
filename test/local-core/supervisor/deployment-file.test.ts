import { describe, expect, it } from 'vitest';
import { componentsForThing, parseDeployment } from '../../../local-core/src/supervisor/deployment-file.ts';

const valid = {
  things: [
    { name: 'T1', thingGroups: ['g'] },
    { name: 'T2', components: ['a.B'] },
  ],
  components: {
    'a.B': { componentVersion: '1.0.0', configurationUpdate: { merge: '{"x":1}', reset: ['/y'] } },
    'c.D': { componentVersion: '2.0.0' },
  },
};

function errorOf(raw: unknown): string {
  try {
    parseDeployment('d.json', raw);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('deployment file', () => {
  it('fills in the nucleus and policy defaults', () => {
    const file = parseDeployment('d.json', valid);
    expect(file.nucleus).toEqual({ interpolateComponentConfiguration: false, region: 'eu-west-1' });
    expect(file.deploymentPolicies.componentUpdatePolicy).toEqual({
      action: 'NOTIFY_COMPONENTS',
      timeoutInSeconds: 60,
    });
  });

  it('gives each thing all components unless it lists its own', () => {
    const file = parseDeployment('d.json', valid);
    expect([...componentsForThing(file, 'T1').keys()]).toEqual(['a.B', 'c.D']);
    expect([...componentsForThing(file, 'T2').keys()]).toEqual(['a.B']);
  });

  it('names the field of a merge that is not a serialized JSON object', () => {
    const raw = {
      ...valid,
      components: { 'a.B': { componentVersion: '1.0.0', configurationUpdate: { merge: '[1]' } } },
    };
    expect(errorOf(raw)).toMatch(
      /^d\.json: components\.a\.B\.configurationUpdate\.merge: expected a serialized JSON object/,
    );
  });

  it('names a reset entry that is not a JSON pointer', () => {
    const raw = {
      ...valid,
      components: { 'a.B': { componentVersion: '1.0.0', configurationUpdate: { reset: ['y'] } } },
    };
    expect(errorOf(raw)).toMatch(/configurationUpdate\.reset\.0: expected a JSON pointer/);
  });

  it('rejects a thing listing a component the deployment does not have', () => {
    expect(errorOf({ ...valid, things: [{ name: 'T1', components: ['z.Z'] }] })).toMatch(
      /things\.0\.components\.0/,
    );
  });

  it('rejects an unknown update policy action', () => {
    const raw = { ...valid, deploymentPolicies: { componentUpdatePolicy: { action: 'LATER' } } };
    expect(errorOf(raw)).toMatch(/deploymentPolicies\.componentUpdatePolicy\.action.*"LATER"/);
  });
});

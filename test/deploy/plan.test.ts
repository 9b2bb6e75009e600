import { describe, expect, it } from 'vitest';
import { planDeployment, renderPlan } from '../../scripts/deploy/plan.ts';
import type { CurrentDeployment } from '../../scripts/deploy/port.ts';
import { fleet, TARGET } from './helpers.ts';

const SCHEDULER = 'com.matchdayalert.Scheduler';
const SCRAPER = 'com.matchdayalert.Scraper';

/** The current deployment as if the shipped document had been deployed, then edited by `mutate`. */
function currentFrom(
  mutate: (components: Record<string, { componentVersion: string; configurationUpdate?: unknown }>) => void,
): CurrentDeployment {
  const components = structuredClone(planDeployment(fleet(), TARGET, undefined).request.components) as Record<
    string,
    { componentVersion: string; configurationUpdate?: unknown }
  >;
  mutate(components);
  return {
    deploymentId: 'd-old',
    deploymentName: 'matchday-fleet',
    revisionId: '3',
    components: components as CurrentDeployment['components'],
  };
}

describe('planDeployment', () => {
  it('sends the full component map of the document even when only one component changes', () => {
    const current = currentFrom((c) => {
      c[SCHEDULER]!.componentVersion = '0.9.0';
    });
    const { request } = planDeployment(fleet(), TARGET, current);
    expect(Object.keys(request.components).sort()).toEqual(Object.keys(fleet().components).sort());
    expect(request.deploymentPolicies.componentUpdatePolicy.action).toBe('NOTIFY_COMPONENTS');
    expect(request.deploymentPolicies.componentUpdatePolicy.timeoutInSeconds).toBeGreaterThan(0);
    expect(request.deploymentPolicies.failureHandlingPolicy).toBe('ROLLBACK');
    expect(
      request.iotJobConfiguration.jobExecutionsRolloutConfig.exponentialRate.baseRatePerMinute,
    ).toBeGreaterThan(0);
    expect(request.iotJobConfiguration.abortConfig.criteriaList.length).toBeGreaterThan(0);
  });

  it('adds the /accessControl reset only to components whose version changes', () => {
    const current = currentFrom((c) => {
      c[SCHEDULER]!.componentVersion = '0.9.0';
    });
    const { request, diff } = planDeployment(fleet(), TARGET, current);
    expect(request.components[SCHEDULER]?.configurationUpdate?.reset).toEqual(['/accessControl']);
    for (const [name, spec] of Object.entries(request.components)) {
      if (name !== SCHEDULER) expect(spec.configurationUpdate?.reset, name).toBeUndefined();
    }
    expect(diff.versionChanged).toEqual([{ name: SCHEDULER, from: '0.9.0', to: '1.0.0' }]);
  });

  it('keeps a reset the document already has and adds /accessControl once', () => {
    const document = fleet((raw) => {
      raw.components[SCHEDULER]!.configurationUpdate = { reset: ['/alertPolicy', '/accessControl'] };
    });
    const current = currentFrom((c) => {
      c[SCHEDULER]!.componentVersion = '0.9.0';
    });
    expect(
      planDeployment(document, TARGET, current).request.components[SCHEDULER]?.configurationUpdate?.reset,
    ).toEqual(['/alertPolicy', '/accessControl']);
  });

  it('adds no reset on a first deployment (components install fresh)', () => {
    const { request, diff } = planDeployment(fleet(), TARGET, undefined);
    expect(Object.values(request.components).every((s) => s.configurationUpdate?.reset === undefined)).toBe(
      true,
    );
    expect(diff.added).toHaveLength(Object.keys(fleet().components).length);
  });

  it('reports added, removed, version and configuration changes', () => {
    const current = currentFrom((c) => {
      delete c[SCRAPER];
      c['com.example.Old'] = { componentVersion: '2.0.0' };
      c[SCHEDULER]!.componentVersion = '0.9.0';
      c['aws.greengrass.Cloudwatch']!.configurationUpdate = { merge: '{"PublishInterval":"10"}' };
    });
    const plan = planDeployment(fleet(), TARGET, current);
    expect(plan.diff.added).toEqual([{ name: SCRAPER, version: '1.0.0' }]);
    expect(plan.diff.removed).toEqual([{ name: 'com.example.Old', version: '2.0.0' }]);
    expect(plan.diff.versionChanged.map((c) => c.name)).toEqual([SCHEDULER]);
    expect(plan.diff.configChanged).toEqual(['aws.greengrass.Cloudwatch']);
    const text = renderPlan(plan, current).join('\n');
    expect(text).toContain(`+ ${SCRAPER} 1.0.0`);
    expect(text).toContain('- com.example.Old 2.0.0 (removed from every device)');
    expect(text).toContain(`~ ${SCHEDULER} 0.9.0 -> 1.0.0 (reset /accessControl)`);
    expect(text).toContain('~ aws.greengrass.Cloudwatch configuration');
  });

  it('compares merges as JSON, so key order alone is no change', () => {
    const current = currentFrom((c) => {
      const merge = JSON.parse(
        (c['aws.greengrass.ShadowManager']!.configurationUpdate as { merge: string }).merge,
      ) as Record<string, unknown>;
      const reordered = Object.fromEntries(Object.entries(merge).reverse());
      c['aws.greengrass.ShadowManager']!.configurationUpdate = { merge: JSON.stringify(reordered) };
    });
    const plan = planDeployment(fleet(), TARGET, current);
    expect(plan.diff.configChanged).toEqual([]);
    expect(plan.noChange).toBe(true);
  });

  it('ignores the /accessControl reset a previous version change left in the current deployment', () => {
    const current = currentFrom((c) => {
      c[SCHEDULER]!.configurationUpdate = { reset: ['/accessControl'] };
    });
    expect(planDeployment(fleet(), TARGET, current).noChange).toBe(true);
  });

  it('derives the same clientToken for the same request and base revision, and another for a new base', () => {
    const current = currentFrom(() => {});
    const a = planDeployment(fleet(), TARGET, current).request.clientToken;
    const b = planDeployment(fleet(), TARGET, current).request.clientToken;
    const other = planDeployment(fleet(), TARGET, { ...current, deploymentId: 'd-newer' }).request
      .clientToken;
    const changed = planDeployment(
      fleet((raw) => {
        raw.components[SCHEDULER]!.configurationUpdate = { merge: '{"safetyTickS":5}' };
      }),
      TARGET,
      current,
    ).request.clientToken;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(other).not.toBe(a);
    expect(changed).not.toBe(a);
  });
});

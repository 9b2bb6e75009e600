import { describe, expect, it } from 'vitest';
import {
  checkAgainstRecipes,
  FleetDocumentError,
  parseFleetDocument,
  resolveTargetArn,
} from '../../scripts/deploy/fleet-document.ts';
import { loadShippingRecipes } from '../../scripts/recipes.ts';
import { fleet, ROOT, rawFleet } from './helpers.ts';

function errorOf(mutate: (raw: ReturnType<typeof rawFleet>) => void): string {
  const raw = rawFleet();
  mutate(raw);
  try {
    parseFleetDocument(raw, 'fleet.json');
  } catch (error) {
    expect(error).toBeInstanceOf(FleetDocumentError);
    return (error as Error).message;
  }
  throw new Error('expected the document to be rejected');
}

type Raw = ReturnType<typeof rawFleet>;
const rollout = (raw: Raw) =>
  (raw.iotJobConfiguration as { jobExecutionsRolloutConfig: { exponentialRate: Record<string, unknown> } })
    .jobExecutionsRolloutConfig;

describe('fleet document', () => {
  it('lists every shipped recipe at its version plus the platform components', () => {
    const document = fleet();
    const recipes = new Map(loadShippingRecipes(`${ROOT}/recipes`).map((r) => [r.name, r.version]));
    expect(recipes.size).toBe(5);
    expect(checkAgainstRecipes(document, recipes)).toEqual([]);
    for (const name of [
      'aws.greengrass.Nucleus',
      'aws.greengrass.ShadowManager',
      'aws.greengrass.Cloudwatch',
      'aws.greengrass.LogManager',
    ]) {
      expect(document.components[name]?.configurationUpdate?.merge).toBeTypeOf('string');
    }
    const merge = (name: string) => JSON.parse(document.components[name]?.configurationUpdate?.merge ?? '{}');
    expect(merge('aws.greengrass.Nucleus').interpolateComponentConfiguration).toBe(true);
    expect(merge('aws.greengrass.ShadowManager').synchronize.coreThing.namedShadows).toEqual(['matchday']);
    expect(
      Object.keys(
        merge('aws.greengrass.LogManager').logsUploaderConfiguration.componentLogsConfigurationMap,
      ).sort(),
    ).toEqual([...recipes.keys()].sort());
  });

  it('reports a recipe missing from the map and a version that differs from the recipe', () => {
    const document = fleet((raw) => {
      delete raw.components['com.matchdayalert.Scraper'];
      (raw.components['com.matchdayalert.Scheduler'] as { componentVersion: string }).componentVersion =
        '0.9.0';
    });
    const recipes = new Map(loadShippingRecipes(`${ROOT}/recipes`).map((r) => [r.name, r.version]));
    const problems = checkAgainstRecipes(document, recipes);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('components.com.matchdayalert.Scraper: missing');
    expect(problems.join('\n')).toContain('components.com.matchdayalert.Scheduler.componentVersion');
  });

  it('rejects a merge that is an object instead of a JSON string, naming the field', () => {
    const message = errorOf((raw) => {
      (raw.components['aws.greengrass.Cloudwatch'] as { configurationUpdate: unknown }).configurationUpdate =
        {
          merge: { PublishInterval: '10' },
        };
    });
    expect(message).toContain('components.aws.greengrass.Cloudwatch.configurationUpdate.merge');
  });

  it('rejects a merge string that is not a JSON object', () => {
    const message = errorOf((raw) => {
      (raw.components['aws.greengrass.Cloudwatch'] as { configurationUpdate: unknown }).configurationUpdate =
        {
          merge: '[1]',
        };
    });
    expect(message).toMatch(/merge: expected a JSON object serialised as a string \(got "\[1\]"\)/);
  });

  it.each([
    ['baseRatePerMinute', 0],
    ['baseRatePerMinute', 1001],
    ['incrementFactor', 1],
    ['incrementFactor', 5.1],
    ['incrementFactor', 1.25],
  ])('rejects exponentialRate.%s = %s outside the documented range', (field, value) => {
    const message = errorOf((raw) => {
      rollout(raw).exponentialRate[field] = value;
    });
    expect(message).toContain(`iotJobConfiguration.jobExecutionsRolloutConfig.exponentialRate.${field}`);
    expect(message).toContain(`(got ${value})`);
  });

  it('rejects an abort threshold with three decimals and a timeout beyond a week', () => {
    const message = errorOf((raw) => {
      const job = raw.iotJobConfiguration as {
        abortConfig: { criteriaList: { thresholdPercentage: number }[] };
        timeoutConfig: { inProgressTimeoutInMinutes: number };
      };
      job.abortConfig.criteriaList[0]!.thresholdPercentage = 10.125;
      job.timeoutConfig.inProgressTimeoutInMinutes = 10081;
    });
    expect(message).toContain('abortConfig.criteriaList.0.thresholdPercentage');
    expect(message).toContain('timeoutConfig.inProgressTimeoutInMinutes');
  });

  it('accepts only ROLLBACK and NOTIFY_COMPONENTS as policies', () => {
    const message = errorOf((raw) => {
      raw.deploymentPolicies = {
        failureHandlingPolicy: 'DO_NOTHING',
        componentUpdatePolicy: { action: 'SKIP_NOTIFY_COMPONENTS', timeoutInSeconds: 60 },
      };
    });
    expect(message).toContain('deploymentPolicies.failureHandlingPolicy');
    expect(message).toContain('deploymentPolicies.componentUpdatePolicy.action');
  });

  it('fills region and account into the target ARN and refuses a malformed account', () => {
    const pattern = fleet().targetArn;
    expect(resolveTargetArn(pattern, { region: 'eu-west-1', account: '123456789012' })).toBe(
      'arn:aws:iot:eu-west-1:123456789012:thinggroup/matchday-devices',
    );
    expect(() => resolveTargetArn(pattern, { region: 'eu-west-1', account: '1234' })).toThrow(
      /\{account\} needs --account-id or AWS_ACCOUNT_ID of 12 digits \(got "1234"\)/,
    );
  });
});

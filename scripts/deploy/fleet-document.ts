/**
 * The fleet deployment file (deployments/fleet.json): CreateDeployment's shape with `{region}` and
 * `{account}` placeholders in `targetArn`. Validated with zod; every error names the field, the expectation
 * and the value. Numeric ranges follow the GGv2 API reference (greengrass-v2.md §9).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** One component of the map, as CreateDeployment takes it (merge is a JSON object serialised to a string). */
const componentSpec = z.strictObject({
  $comment: z.string().optional(),
  componentVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'expected semver major.minor.patch'),
  configurationUpdate: z
    .strictObject({
      merge: z
        .string()
        .superRefine((text, ctx) => {
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            ctx.addIssue({ code: 'custom', message: 'expected a JSON object serialised as a string' });
            return;
          }
          if (typeof value !== 'object' || value === null || Array.isArray(value)) {
            ctx.addIssue({ code: 'custom', message: 'expected a JSON object serialised as a string' });
          }
        })
        .optional(),
      reset: z
        .array(z.string().regex(/^$|^\//, 'expected a JSON pointer ("" or starting with /)'))
        .optional(),
    })
    .optional(),
  runWith: z
    .strictObject({
      posixUser: z.string().min(1).optional(),
      systemResourceLimits: z
        .strictObject({
          memory: z.number().int().nonnegative().optional(),
          cpus: z.number().nonnegative().optional(),
        })
        .optional(),
    })
    .optional(),
});

const oneDecimal = (n: number) => Math.abs(n * 10 - Math.round(n * 10)) < 1e-9;
const twoDecimals = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9;

const rateIncreaseCriteria = z.union([
  z.strictObject({ numberOfNotifiedThings: z.number().int().min(1).max(1_000_000) }),
  z.strictObject({ numberOfSucceededThings: z.number().int().min(1).max(1_000_000) }),
]);

export const fleetDocumentSchema = z.strictObject({
  $comment: z.string().optional(),
  deploymentName: z.string().min(1).max(256),
  /** `arn:aws:iot:<region>:<account>:thinggroup/<name>`; `{region}` and `{account}` are filled in at load. */
  targetArn: z
    .string()
    .regex(
      /^arn:aws:iot:(\{region\}|[a-z0-9-]+):(\{account\}|\d{12}):thinggroup\/[A-Za-z0-9:_-]{1,128}$/,
      'expected arn:aws:iot:<region|{region}>:<account|{account}>:thinggroup/<name>',
    ),
  components: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a component name'), componentSpec),
  deploymentPolicies: z.strictObject({
    failureHandlingPolicy: z.literal('ROLLBACK'),
    componentUpdatePolicy: z.strictObject({
      action: z.literal('NOTIFY_COMPONENTS'),
      timeoutInSeconds: z.number().int().min(1).max(3600),
    }),
    configurationValidationPolicy: z
      .strictObject({ timeoutInSeconds: z.number().int().min(1).max(3600) })
      .optional(),
  }),
  iotJobConfiguration: z.strictObject({
    jobExecutionsRolloutConfig: z.strictObject({
      maximumPerMinute: z.number().int().min(1).max(1000),
      exponentialRate: z.strictObject({
        baseRatePerMinute: z.number().int().min(1).max(1000),
        incrementFactor: z
          .number()
          .min(1.1)
          .max(5)
          .refine(oneDecimal, 'expected at most one decimal (1.1 to 5)'),
        rateIncreaseCriteria,
      }),
    }),
    abortConfig: z.strictObject({
      criteriaList: z
        .array(
          z.strictObject({
            failureType: z.enum(['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL']),
            action: z.literal('CANCEL'),
            thresholdPercentage: z
              .number()
              .min(0)
              .max(100)
              .refine(twoDecimals, 'expected at most two decimals'),
            minNumberOfExecutedThings: z.number().int().min(1).max(2_147_483_647),
          }),
        )
        .min(1),
    }),
    timeoutConfig: z
      .strictObject({ inProgressTimeoutInMinutes: z.number().int().min(1).max(10080) })
      .optional(),
  }),
  tags: z.record(z.string(), z.string()).optional(),
});

export type FleetDocument = z.infer<typeof fleetDocumentSchema>;
export type ComponentSpecInput = z.infer<typeof componentSpec>;

/** A fleet document that failed validation; `message` lists every problem as `<field>: <why> (got <value>)`. */
export class FleetDocumentError extends Error {
  override name = 'FleetDocumentError';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** Validates a parsed document; throws FleetDocumentError naming each bad field. */
export function parseFleetDocument(input: unknown, source = 'fleet document'): FleetDocument {
  const result = fleetDocumentSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(root)';
    const got = JSON.stringify(valueAt(input, issue.path)) ?? 'nothing';
    return `${source}: ${field}: ${issue.message} (got ${got.length > 80 ? `${got.slice(0, 77)}...` : got})`;
  });
  throw new FleetDocumentError(lines.join('\n'));
}

/** Reads and validates a fleet deployment file. */
export function loadFleetDocument(file: string): FleetDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FleetDocumentError(
      `${file}: not readable JSON: ${error instanceof Error ? error.message : error}`,
    );
  }
  return parseFleetDocument(raw, file);
}

/** Fills `{region}` and `{account}` in the target ARN; throws when one is needed but missing or malformed. */
export function resolveTargetArn(
  pattern: string,
  params: { region?: string | undefined; account?: string | undefined },
): string {
  let arn = pattern;
  if (arn.includes('{region}')) {
    if (!params.region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(params.region)) {
      throw new FleetDocumentError(
        `targetArn: {region} needs --region or AWS_REGION as e.g. eu-west-1 (got ${JSON.stringify(params.region ?? null)})`,
      );
    }
    arn = arn.replaceAll('{region}', params.region);
  }
  if (arn.includes('{account}')) {
    if (!params.account || !/^\d{12}$/.test(params.account)) {
      throw new FleetDocumentError(
        `targetArn: {account} needs --account-id or AWS_ACCOUNT_ID of 12 digits (got ${JSON.stringify(params.account ?? null)})`,
      );
    }
    arn = arn.replaceAll('{account}', params.account);
  }
  return arn;
}

/**
 * Checks that every recipe we ship is in the map at the recipe's version (a missing one would be removed from
 * the fleet). Returns the problems, empty when the map is complete.
 */
export function checkAgainstRecipes(document: FleetDocument, recipes: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, version] of recipes) {
    const spec = document.components[name];
    if (!spec) problems.push(`components.${name}: missing (recipes/ ships ${version}); it would be removed`);
    else if (spec.componentVersion !== version) {
      problems.push(
        `components.${name}.componentVersion: expected the recipe's ${version} (got ${JSON.stringify(spec.componentVersion)})`,
      );
    }
  }
  return problems;
}

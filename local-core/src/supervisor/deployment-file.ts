/**
 * The local-core deployment file: the fleet (things and their groups), the component map in
 * CreateDeployment's shape, nucleus settings and the component-update policy. Validated with zod;
 * an invalid file throws InputFileError naming the file and the field.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseMerge, parsePointer } from './configuration.ts';
import { InputFileError, zodToInputError } from './recipe.ts';

const componentSpec = z.strictObject({
  /** Free text for humans (JSON has no comments). */
  $comment: z.string().optional(),
  componentVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'expected semver major.minor.patch'),
  configurationUpdate: z
    .strictObject({
      merge: z
        .string()
        .superRefine((text, ctx) => {
          try {
            parseMerge(text);
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: (e as Error).message });
          }
        })
        .optional(),
      reset: z
        .array(
          z.string().superRefine((text, ctx) => {
            try {
              parsePointer(text);
            } catch (e) {
              ctx.addIssue({ code: 'custom', message: (e as Error).message });
            }
          }),
        )
        .optional(),
    })
    .optional(),
  runWith: z
    .strictObject({
      posixUser: z.string().optional(),
      systemResourceLimits: z
        .strictObject({
          memory: z.number().int().nonnegative().optional(),
          cpus: z.number().nonnegative().optional(),
        })
        .optional(),
    })
    .optional(),
});

const thingNamePattern = /^[A-Za-z0-9:_-]{1,128}$/;

/** The deployment file schema (see local-core/README.md for an example). */
export const deploymentFileSchema = z
  .strictObject({
    /** Optional name shown in status and logs. */
    deploymentName: z.string().min(1).optional(),
    /** Free text for humans (JSON has no comments). */
    $comment: z.string().optional(),
    things: z
      .array(
        z.strictObject({
          name: z.string().regex(thingNamePattern, 'expected a thing name of 1-128 chars [A-Za-z0-9:_-]'),
          thingGroups: z.array(z.string().min(1)).default([]),
          /** Names from `components` this thing runs; all of them when absent. */
          components: z.array(z.string().min(1)).optional(),
        }),
      )
      .min(1, 'expected at least one thing'),
    components: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a component name'), componentSpec),
    nucleus: z
      .strictObject({
        interpolateComponentConfiguration: z.boolean().default(false),
        region: z
          .string()
          .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region like eu-west-1')
          .default('eu-west-1'),
      })
      .default({ interpolateComponentConfiguration: false, region: 'eu-west-1' }),
    deploymentPolicies: z
      .strictObject({
        componentUpdatePolicy: z
          .strictObject({
            action: z.enum(['NOTIFY_COMPONENTS', 'SKIP_NOTIFY_COMPONENTS']).default('NOTIFY_COMPONENTS'),
            timeoutInSeconds: z.number().int().positive().default(60),
          })
          .default({ action: 'NOTIFY_COMPONENTS', timeoutInSeconds: 60 }),
        failureHandlingPolicy: z.enum(['ROLLBACK', 'DO_NOTHING']).optional(),
      })
      .default({ componentUpdatePolicy: { action: 'NOTIFY_COMPONENTS', timeoutInSeconds: 60 } }),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.things.forEach((thing, i) => {
      if (seen.has(thing.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['things', i, 'name'],
          message: `duplicate thing ${thing.name}`,
        });
      }
      seen.add(thing.name);
      thing.components?.forEach((name, j) => {
        if (!Object.hasOwn(file.components, name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['things', i, 'components', j],
            message: `expected a component listed in "components"`,
          });
        }
      });
    });
  });

export type DeploymentFile = z.infer<typeof deploymentFileSchema>;
export type ComponentSpec = z.infer<typeof componentSpec>;

/** Validates a deployment object; `source` names it in errors (a file path or "deployment"). */
export function parseDeployment(source: string, raw: unknown): DeploymentFile {
  const parsed = deploymentFileSchema.safeParse(raw);
  if (!parsed.success) throw zodToInputError(source, parsed.error, raw);
  return parsed.data;
}

/** Reads and validates a deployment file. */
export function readDeploymentFile(file: string): DeploymentFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InputFileError(file, '', `cannot read the deployment file: ${String(cause)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new InputFileError(file, '', `not valid JSON: ${String(cause)}`);
  }
  return parseDeployment(file, raw);
}

/** The components one thing runs, by name. */
export function componentsForThing(file: DeploymentFile, thingName: string): Map<string, ComponentSpec> {
  const thing = file.things.find((t) => t.name === thingName);
  const names = thing?.components ?? Object.keys(file.components);
  const out = new Map<string, ComponentSpec>();
  for (const name of names) {
    const spec = file.components[name];
    if (spec !== undefined) out.set(name, spec);
  }
  return out;
}

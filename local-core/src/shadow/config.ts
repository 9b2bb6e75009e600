/**
 * aws.greengrass.ShadowManager's configuration (`synchronize`, `strategy`,
 * `shadowDocumentSizeLimitBytes`), validated once into a frozen value, with the component's own
 * defaults (nothing syncs unless listed; classic true for listed things; direction
 * betweenDeviceAndCloud; realTime; 8192 bytes, at most 30720).
 */
import { z } from 'zod';
import { DEFAULT_DOCUMENT_SIZE, MAX_DOCUMENT_SIZE } from './document.ts';
import { type SyncDirection, type SyncSettings, syncKey } from './sync.ts';

const Bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const Count = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const ShadowNames = z
  .array(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-zA-Z0-9:_-]+$/),
  )
  .max(1000);
const ThingShadows = z.looseObject({ classic: Bool.optional(), namedShadows: ShadowNames.optional() });

const DIRECTIONS: Record<string, SyncDirection> = {
  betweendeviceandcloud: 'betweenDeviceAndCloud',
  between_device_and_cloud: 'betweenDeviceAndCloud',
  bidirectional: 'betweenDeviceAndCloud',
  devicetocloud: 'deviceToCloud',
  device_to_cloud: 'deviceToCloud',
  cloudtodevice: 'cloudToDevice',
  cloud_to_device: 'cloudToDevice',
};

const Schema = z.looseObject({
  synchronize: z
    .looseObject({
      coreThing: ThingShadows.optional(),
      shadowDocuments: z
        .array(ThingShadows.extend({ thingName: z.string().min(1).max(128) }))
        .max(1000)
        .optional(),
      shadowDocumentsMap: z.record(z.string().min(1).max(128), ThingShadows).optional(),
      direction: z
        .string()
        .refine(
          (d) => d.toLowerCase() in DIRECTIONS,
          'must be betweenDeviceAndCloud, deviceToCloud or cloudToDevice',
        )
        .optional(),
    })
    .optional(),
  strategy: z
    .looseObject({
      type: z.enum(['realTime', 'periodic']).optional(),
      delay: Count.pipe(z.number().int().min(1)).optional(),
    })
    .optional(),
  shadowDocumentSizeLimitBytes: Count.pipe(z.number().int().min(1).max(MAX_DOCUMENT_SIZE)).optional(),
});

export interface ShadowManagerConfig {
  readonly sizeLimit: number;
  readonly sync: SyncSettings;
}

/** Parses the plugin configuration for `coreThingName`; throws an Error naming the failing field. */
export function parseShadowManagerConfig(raw: unknown, coreThingName: string): ShadowManagerConfig {
  const parsed = Schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') || '(root)';
    throw new Error(`Invalid aws.greengrass.ShadowManager configuration \`${path}\`: ${issue?.message}`);
  }
  const config = parsed.data;
  const shadows = new Set<string>();
  const add = (thingName: string, entry: z.infer<typeof ThingShadows>) => {
    if (entry.classic ?? true) shadows.add(syncKey(thingName, ''));
    for (const name of entry.namedShadows ?? []) shadows.add(syncKey(thingName, name));
  };
  const sync = config.synchronize;
  if (sync?.coreThing) add(coreThingName, sync.coreThing);
  for (const doc of sync?.shadowDocuments ?? []) add(doc.thingName, doc);
  for (const [thingName, doc] of Object.entries(sync?.shadowDocumentsMap ?? {})) add(thingName, doc);
  const direction = DIRECTIONS[(sync?.direction ?? 'betweenDeviceAndCloud').toLowerCase()]!;
  return Object.freeze({
    sizeLimit: config.shadowDocumentSizeLimitBytes ?? DEFAULT_DOCUMENT_SIZE,
    sync: Object.freeze({
      direction,
      shadows,
      strategy: { type: config.strategy?.type ?? 'realTime', delaySeconds: config.strategy?.delay ?? 300 },
    }),
  });
}

/**
 * How local-core knows its built-in platform components (hosted in-process, as plugins run inside the
 * nucleus JVM) and its fleet-wide simulated AWS services. Each module exports one `Builtin` and
 * local-core/src/builtins.ts re-exports it on one line.
 */
import type { CloudService, NucleusPlugin } from '../nucleus/services.ts';

/** A platform component hosted per thing when a deployment lists it (aws.greengrass.ShadowManager, …). */
export interface BuiltinPlugin {
  readonly kind: 'plugin';
  readonly componentName: string;
  /** The version local-core reports; a deployment may name any version of a built-in. */
  readonly componentVersion: string;
  /** The built-in recipe's DefaultConfiguration; the deployment's reset/merge applies on top. */
  readonly defaultConfiguration: Readonly<Record<string, unknown>>;
  create(): NucleusPlugin;
}

/** A fleet-wide simulated AWS service, started once per local-core (cloud shadows, IoT Jobs). */
export interface BuiltinCloudService {
  readonly kind: 'cloud-service';
  readonly name: string;
  create(): CloudService;
}

export type Builtin = BuiltinPlugin | BuiltinCloudService;

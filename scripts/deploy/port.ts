/**
 * The deploy CLI's view of the Greengrass v2 control plane. The SDK adapter (aws-greengrass.ts) is the only
 * implementation talking to AWS; tests use an in-memory fake.
 */

/** A component of a deployment's map, as CreateDeployment and GetDeployment carry it. */
export interface ComponentSpec {
  readonly componentVersion: string;
  readonly configurationUpdate?: { readonly merge?: string; readonly reset?: readonly string[] };
  readonly runWith?: {
    readonly posixUser?: string;
    readonly systemResourceLimits?: { readonly memory?: number; readonly cpus?: number };
  };
}

export type ComponentMap = Readonly<Record<string, ComponentSpec>>;

/** The target's latest deployment (GetDeployment). */
export interface CurrentDeployment {
  readonly deploymentId: string;
  readonly deploymentName?: string;
  readonly revisionId?: string;
  readonly deploymentStatus?: string;
  readonly creationTimestamp?: Date;
  readonly components: ComponentMap;
}

export interface CreateDeploymentInput {
  readonly targetArn: string;
  readonly deploymentName: string;
  readonly components: ComponentMap;
  readonly deploymentPolicies: {
    readonly failureHandlingPolicy: 'ROLLBACK';
    readonly componentUpdatePolicy: {
      readonly action: 'NOTIFY_COMPONENTS';
      readonly timeoutInSeconds: number;
    };
    readonly configurationValidationPolicy?: { readonly timeoutInSeconds: number } | undefined;
  };
  readonly iotJobConfiguration: {
    readonly jobExecutionsRolloutConfig: {
      readonly maximumPerMinute: number;
      readonly exponentialRate: {
        readonly baseRatePerMinute: number;
        readonly incrementFactor: number;
        readonly rateIncreaseCriteria:
          | { readonly numberOfNotifiedThings: number }
          | { readonly numberOfSucceededThings: number };
      };
    };
    readonly abortConfig: {
      readonly criteriaList: readonly {
        readonly failureType: 'FAILED' | 'REJECTED' | 'TIMED_OUT' | 'ALL';
        readonly action: 'CANCEL';
        readonly thresholdPercentage: number;
        readonly minNumberOfExecutedThings: number;
      }[];
    };
    readonly timeoutConfig?: { readonly inProgressTimeoutInMinutes: number } | undefined;
  };
  readonly tags?: Readonly<Record<string, string>>;
  readonly clientToken: string;
}

/** One deployment as a core device reports it (ListEffectiveDeployments). */
export interface EffectiveDeploymentState {
  readonly deploymentId: string;
  readonly targetArn: string;
  /** IN_PROGRESS | QUEUED | FAILED | COMPLETED | TIMED_OUT | CANCELED | REJECTED | SUCCEEDED */
  readonly status: string;
  readonly reason?: string;
  readonly modifiedTimestamp?: Date;
}

export interface CoreDeviceSummary {
  readonly thingName: string;
  /** HEALTHY | UNHEALTHY */
  readonly status?: string;
}

export interface GreengrassDeployments {
  /** ListDeployments(targetArn, LATEST_ONLY) + GetDeployment; undefined when the target has none. */
  getCurrentDeployment(targetArn: string): Promise<CurrentDeployment | undefined>;
  createDeployment(
    input: CreateDeploymentInput,
  ): Promise<{ readonly deploymentId: string; readonly iotJobId?: string }>;
  /** Core devices in a thing group (ListCoreDevices thingGroupArn, all pages). */
  listCoreDevices(thingGroupArn: string): Promise<readonly CoreDeviceSummary[]>;
  /** A core device's deployments (ListEffectiveDeployments, all pages). */
  listEffectiveDeployments(thingName: string): Promise<readonly EffectiveDeploymentState[]>;
}

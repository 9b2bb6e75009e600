/**
 * The RelayDriver port: the one thing in the project that drives the GPIO line of the warning light.
 * Drivers speak in logical terms (`true` = relay energised, light on); each one applies active-low itself.
 */
import { MatchdayError } from '../../shared/errors.ts';

/** The drivers a configuration can name; `auto` picks `chardev` or `sysfs` and never `simulated`. */
export const DRIVER_CHOICES = ['auto', 'chardev', 'sysfs', 'simulated'] as const;
export type DriverChoice = (typeof DRIVER_CHOICES)[number];
export type DriverName = Exclude<DriverChoice, 'auto'>;

/**
 * GPIO chip labels whose line offsets are the BCM numbers of the 40-pin header, in the order `auto`
 * prefers them: Pi 5 (RP1), Pi 4 / CM4 / Pi 400 (BCM2711), Pi 0–3 (BCM2835/6/7).
 */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

/** An opened line, already driven to off. */
export interface RelayDriver {
  readonly name: DriverName;
  /** Where the line is, for logs: `gpiochip0 [pinctrl-rp1] line 17`. */
  readonly line: string;
  /**
   * Drives the relay: `true` energises it. Idempotent; resolves once the line holds the level, rejects
   * (with the reason) when it could not.
   */
  write(on: boolean): Promise<void>;
  /** Registers the handler called when the driver loses the line by itself (a holder process died). */
  onFault(handler: (error: Error) => void): void;
  /** Drives off and releases the line, leaving no process or export behind. */
  close(): Promise<void>;
}

/** The line cannot be driven: wrong board, missing tools, no permission, line busy. */
export class RelayDriverError extends MatchdayError {
  constructor(
    readonly driver: DriverChoice,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${driver} driver: ${message}`, options);
  }
}

/** The physical level for a logical state: active-low boards energise on a low line. */
export function levelFor(on: boolean, activeLow: boolean): 0 | 1 {
  return on !== activeLow ? 1 : 0;
}

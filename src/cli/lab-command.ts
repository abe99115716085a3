/**
 * The base of the `spice-cli lab ...` commands: SpiceCommand's flags, envelope and signal path, with the lab's
 * own failures: a missing Debian package (kind missing-package, the packages listed) and a server that did
 * not start (kind lab) exit 1.
 */
import {SpiceError} from '../client/errors.js';
import {SpiceCommand, type Failure} from './base-command.js';

export abstract class LabCommand extends SpiceCommand {
  protected override classify(err: unknown): Failure {
    const e = err as Error & {oclif?: {exit?: number}; packages?: string[]};
    if (err instanceof SpiceError || e?.oclif?.exit !== undefined) return super.classify(err);
    const message = e instanceof Error ? e.message : String(err);
    const kind = e?.name === 'MissingPackageError' ? 'missing-package' : 'lab';
    return {kind, exitCode: 1, message, ...(Array.isArray(e?.packages) ? {errorFields: {packages: e.packages}} : {})};
  }
}

/**
 * oclif's command_not_found hook: a misspelled command gets the nearest command name as a suggestion, in the JSON
 * envelope with --json, and exit 2 (a usage error) like every other bad command line.
 */
import type {Hook} from '@oclif/core';
import {ExitCode} from '../client/errors.js';
import {suggest} from '../client/suggest.js';

const hook: Hook.CommandNotFound = async function (opts) {
  const shown = (id: string) => id.split(':').join(' ');
  const ids = opts.config.commandIDs.filter((id) => !opts.config.findCommand(id)?.hidden);
  // "clipbaord get" reaches here as "clipbaord:get"; try the whole id, then its first word against the topics.
  const near = suggest(opts.id, ids) ?? suggest(opts.id.split(':')[0]!, [...new Set(ids.map((id) => id.split(':')[0]!))]);
  const message = `"${shown(opts.id)}" is not a spice-cli command${near ? `: did you mean "${shown(near)}"?` : ''} (spice-cli --help lists them)`;
  if ((opts.argv ?? []).includes('--json') || process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ok: false, error: {kind: 'usage', exitCode: ExitCode.USAGE, message, ...(near ? {suggestion: shown(near)} : {})}}, null, 2) + '\n');
  } else {
    process.stderr.write(`spice-cli: ${message}\n`);
  }
  process.exitCode = ExitCode.USAGE;
};

export default hook;

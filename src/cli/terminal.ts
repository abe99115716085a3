/**
 * Whether a command draws live (ink) progress: stderr is a terminal and this is not a CI job. Otherwise progress is
 * plain lines, one per event.
 */

/** CI systems set CI (or CONTINUOUS_INTEGRATION, CI_*), unless CI is "0" or "false"; ink itself then draws only the last frame. */
function inCi(env: NodeJS.ProcessEnv): boolean {
  if (env.CI === '0' || env.CI === 'false') return false;
  return 'CI' in env || 'CONTINUOUS_INTEGRATION' in env || Object.keys(env).some((k) => k.startsWith('CI_'));
}

export function liveProgress(verbose = false): boolean {
  return Boolean(process.stderr.isTTY) && !inCi(process.env) && !verbose;
}

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`, 100x30) without the CI variables, so that it
 * draws its live views; everything it draws comes back as one stream.
 */
import {spawn} from 'node:child_process';
import {BIN} from './cli.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The screen stream without ANSI escape sequences. */
// eslint-disable-next-line no-control-regex
export const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

export function onTerminal(args: string[], timeoutMs = 90_000): Promise<{code: number | null; screen: string}> {
  const env: NodeJS.ProcessEnv = {...process.env, SPICE_URI: '', SPICE_PASSWORD: '', TERM: 'xterm-256color'};
  for (const k of Object.keys(env)) if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete env[k];
  const cmd = `stty cols 100 rows 30; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']});
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    child.stderr.on('data', (d) => (screen += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spice-cli ${args.join(' ')} on a terminal did not exit within ${timeoutMs} ms\n${screen}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, screen});
    });
  });
}

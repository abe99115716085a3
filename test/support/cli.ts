/** Runs the built CLI (bin/run.js → dist/) as a user would, capturing exit code and output. */
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], opts: {env?: Record<string, string>; timeoutMs?: number; input?: string; cwd?: string} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {...process.env, SPICE_URI: '', SPICE_PASSWORD: '', ...opts.env},
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spice-cli ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 60000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr, ms: performance.now() - t0});
    });
    child.stdin.end(opts.input ?? '');
  });
}

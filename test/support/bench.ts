/** Runs `spice-cli bench` (the built CLI, which runs dist/bench/run.js; `npm test` builds first) as a process, for the bench tests. */
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export function runBench(args: string[], timeoutMs: number): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'bench', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGINT'); // passed on to the runner, which stops its lab targets
      reject(new Error(`bench did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

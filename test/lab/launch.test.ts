/** The start-up helpers of ./src/lab/launch.ts that need no process: the retry rule and the URI. */
import {describe, expect, it} from 'vitest';
import {spiceUri, startWithRetries, type StartAttempt} from '../../src/lab/launch.js';

describe('startWithRetries', () => {
  const failing = (retryable: boolean, log: number[]) => async (n: number): Promise<StartAttempt<string>> => {
    log.push(n);
    return {ok: false, error: new Error(`attempt ${n}`), retryable};
  };

  it('retries a retryable failure up to the limit, then throws the last error', async () => {
    const log: number[] = [];
    await expect(startWithRetries(3, failing(true, log))).rejects.toThrow('attempt 3');
    expect(log).toEqual([1, 2, 3]);
  });

  it('gives up at once on a failure a retry cannot fix', async () => {
    const log: number[] = [];
    await expect(startWithRetries(3, failing(false, log))).rejects.toThrow('attempt 1');
    expect(log).toEqual([1]);
  });

  it('returns the first success', async () => {
    const r = await startWithRetries(3, async (n) => (n < 2 ? {ok: false, error: new Error('busy'), retryable: true} : {ok: true, value: `up at ${n}`}));
    expect(r).toBe('up at 2');
  });
});

describe('spiceUri', () => {
  it('adds the TLS port only when there is one', () => {
    expect(spiceUri('127.0.0.1', {port: 5900})).toBe('spice://127.0.0.1:5900');
    expect(spiceUri('127.0.0.1', {port: 5900, tlsPort: 5901})).toBe('spice://127.0.0.1:5900?tls-port=5901');
  });
});

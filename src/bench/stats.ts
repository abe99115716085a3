/** Summary statistics of benchmark samples (milliseconds). */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Nearest-rank percentile of sorted samples (p in 0..100). */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {n: sorted.length, median: round(median), p90: round(percentile(sorted, 90)), min: round(sorted[0]), max: round(sorted[sorted.length - 1])};
}

/** a / b of two medians, 2 decimals (lower is better for spice-cli when a is spice-cli). */
export function ratio(a: Summary, b: Summary): number {
  return Math.round((a.median / b.median) * 100) / 100;
}

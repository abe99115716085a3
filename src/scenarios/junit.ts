/**
 * JUnit XML as CI systems read it (the Ant/Jenkins junit schema): <testsuites> with one <testsuite> of
 * one <testcase> per scenario; a failed expectation is a <failure>, any other error (timeout, connection
 * lost, usage) an <error>, a scenario not run after --bail a <skipped/>; the step log is <system-out>.
 */
export interface JunitCase {
  name: string;
  classname: string;
  file: string;
  seconds: number;
  outcome: 'passed' | 'failure' | 'error' | 'skipped';
  message?: string;
  type?: string;
  log: string;
  figures?: Record<string, number>;
}

const esc = (s: string): string =>
  s
    // Characters XML 1.0 cannot hold at all.
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const secs = (s: number): string => s.toFixed(3);

export function junitXml(suiteName: string, cases: JunitCase[], timestamp: Date): string {
  const count = (o: JunitCase['outcome']) => cases.filter((c) => c.outcome === o).length;
  const total = cases.reduce((t, c) => t + c.seconds, 0);
  const head = `tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(suiteName)}" ${head} time="${secs(total)}">`,
    `  <testsuite name="${esc(suiteName)}" ${head} skipped="${count('skipped')}" time="${secs(total)}" timestamp="${timestamp.toISOString().replace(/\.\d+Z$/, '')}" hostname="localhost" id="0" package="spice-cli">`,
    '    <properties/>',
  ];
  for (const c of cases) {
    lines.push(`    <testcase name="${esc(c.name)}" classname="${esc(c.classname)}" time="${secs(c.seconds)}">`);
    if (c.outcome === 'failure' || c.outcome === 'error') {
      lines.push(`      <${c.outcome} message="${esc(c.message ?? '')}" type="${esc(c.type ?? c.outcome)}">${esc(c.message ?? '')}</${c.outcome}>`);
    } else if (c.outcome === 'skipped') {
      lines.push(`      <skipped${c.message ? ` message="${esc(c.message)}"` : ''}/>`);
    }
    // Figures (measure) go to the output: junit-4.xsd has no properties under testcase.
    const figures = Object.entries(c.figures ?? {}).map(([k, v]) => `figure ${k} = ${v} ms\n`).join('');
    lines.push(`      <system-out>${esc(`${c.file}\n${figures}${c.log}`)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('    <system-out/>', '    <system-err/>', '  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

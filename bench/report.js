'use strict';

/**
 * Turns the measurements into the markdown report (`bench/RESULTS.md`, also
 * printed to stdout): the targets with met / not met, what the gateway adds
 * over calling the upstream directly, and the raw figures behind them.
 */

const TARGETS = [
  { mode: 'embedded', label: 'Embedded adds ≤ 0.2 ms at p50 (one connection, sequential)', measure: (added) => added.sequential.p50, limit: 0.2, kind: 'added-ms', scenario: 'sequential' },
  { mode: 'embedded', label: 'Embedded adds ≤ 1 ms at p99 (one connection, sequential)', measure: (added) => added.sequential.p99, limit: 1, kind: 'added-ms', scenario: 'sequential' },
  { mode: 'embedded', label: 'Embedded sustains ≥ 5,000 req/s (no errors)', measure: (_added, target) => target.load.throughput.requestsPerSecond, limit: 5000, kind: 'rate', scenario: 'throughput' },
  { mode: 'distributed', label: 'Distributed adds ≤ 0.8 ms at p50 (one connection, sequential)', measure: (added) => added.sequential.p50, limit: 0.8, kind: 'added-ms', scenario: 'sequential' },
];

const LABELS = {
  direct: 'direct (mock upstream)',
  'reference-proxy': 'reference proxy (no gateway logic)',
  embedded: 'embedded (1 process)',
  distributed: 'distributed (3 processes)',
};

function milliseconds(value) {
  return Number.isFinite(value) ? value.toFixed(3) : '–';
}

function addedMilliseconds(value) {
  if (!Number.isFinite(value)) return '–';
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)} ms`;
}

function integer(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

function mebibytes(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '–';
}

/** A markdown table; the first column is left-aligned, the rest right-aligned unless `leftAligned`. */
function table(header, rows, { leftAligned = false } = {}) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, index) => (index === 0 || leftAligned ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** Gateway minus direct, per percentile, for each latency the scenarios measure. */
function addedLatency(target, direct) {
  const difference = (pick) => {
    const of = (summary) => (summary ? summary : {});
    const measured = of(pick(target.load));
    const baseline = of(pick(direct.load));
    return { p50: measured.p50 - baseline.p50, p90: measured.p90 - baseline.p90, p99: measured.p99 - baseline.p99 };
  };
  return {
    sequential: difference((load) => load.sequential.latency),
    fixedRate: difference((load) => load.fixedRate.latency),
    firstEvent: difference((load) => load.streaming.firstEvent),
    streamTotal: difference((load) => load.streaming.total),
  };
}

function verdict(definition, target, direct) {
  if (!target || target.failed) return { measured: '–', result: 'not measured (did not run)' };
  const errors = target.load[definition.scenario].errors.count;
  const value = definition.measure(addedLatency(target, direct), target);
  const measured = definition.kind === 'rate' ? `${integer(value)} req/s, ${errors} errors` : addedMilliseconds(value);
  const within = definition.kind === 'rate' ? value >= definition.limit : value <= definition.limit;
  if (errors > 0) return { measured, result: `**not met** (${errors} errors)` };
  return { measured, result: within ? 'met' : '**not met**' };
}

function machineSection(run) {
  const { machine, build } = run;
  const buildNotes = [`commit ${build.commit}`];
  if (build.uncommittedFiles !== undefined) buildNotes.push(`${build.uncommittedFiles} uncommitted files under packages/, services/, proto/`);
  buildNotes.push(build.staleWorkspaces.length > 0 ? `**dist older than src in ${build.staleWorkspaces.join(', ')}**` : 'dist up to date with src');
  return table(
    ['', ''],
    [
      ['Processors (`nproc`)', String(machine.processors)],
      ['CPU', machine.cpuModel],
      ['Memory', `${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB`],
      ['Node', machine.node],
      ['OS', machine.platform],
      ['Date', machine.date],
      ['Gateway build', buildNotes.join('; ')],
      ['Gateway log level', `${run.logLevel} (pino JSON, written to a file per process)`],
      ['Bench duration', `${run.durationSeconds.toFixed(0)} s${run.quick ? ' (`--quick`: short runs, figures are rough)' : ''}`],
    ],
    { leftAligned: true },
  );
}

function settingsSection(settings) {
  const { sequential, fixedRate, throughput, streaming } = settings;
  return [
    `- **Sequential**: one keep-alive connection per target, ${integer(sequential.warmup)} warm-up then ${integer(sequential.requests)} measured non-streaming requests, one at a time; the targets take turns in ${sequential.rounds} rounds so that all of them see the same machine.`,
    `- **Streaming**: the same with streaming requests, ${integer(streaming.warmup)} warm-up then ${integer(streaming.requests)} measured in ${streaming.rounds} rounds; first event = first complete \`data:\` event received.`,
    `- **Fixed rate**: each target alone, ${integer(fixedRate.perSecond)} req/s open loop (up to ${fixedRate.connections} connections), ${fixedRate.warmupSeconds} s warm-up then ${fixedRate.seconds} s measured; latency counted from each request's scheduled send time.`,
    `- **Maximum throughput**: each target alone, ${throughput.connections} connections, closed loop, ${throughput.warmupSeconds} s warm-up then ${throughput.seconds} s measured.`,
  ].join('\n');
}

function addedSection(run, direct, others) {
  const columns = others.map((target) => LABELS[target.name]);
  const cell = (target, render) => (target.failed ? 'did not run' : render(target));
  const row = (label, render) => [label, ...others.map((target) => cell(target, render))];
  const added = (target) => addedLatency(target, direct);
  const throughputRatio = (target) => target.load.throughput.requestsPerSecond / direct.load.throughput.requestsPerSecond;
  return table(['', ...columns], [
    row('Sequential, p50 added', (target) => addedMilliseconds(added(target).sequential.p50)),
    row('Sequential, p90 added', (target) => addedMilliseconds(added(target).sequential.p90)),
    row('Sequential, p99 added', (target) => addedMilliseconds(added(target).sequential.p99)),
    row(`${integer(run.settings.fixedRate.perSecond)} req/s, p50 added`, (target) => addedMilliseconds(added(target).fixedRate.p50)),
    row(`${integer(run.settings.fixedRate.perSecond)} req/s, p90 added`, (target) => addedMilliseconds(added(target).fixedRate.p90)),
    row(`${integer(run.settings.fixedRate.perSecond)} req/s, p99 added`, (target) => addedMilliseconds(added(target).fixedRate.p99)),
    row(`Max throughput (${run.settings.throughput.connections} connections)`, (target) =>
      `${integer(target.load.throughput.requestsPerSecond)} req/s (${(throughputRatio(target) * 100).toFixed(0)}% of direct), ${target.load.throughput.errors.count} errors`),
    row('CPU per request at max throughput (all its processes)', (target) => `${integer(target.cpu.microsPerRequest)} µs`),
    row('Streaming, time to first event p50 added', (target) => addedMilliseconds(added(target).firstEvent.p50)),
    row('Streaming, time to first event p99 added', (target) => addedMilliseconds(added(target).firstEvent.p99)),
    row('Streaming, whole stream p50 added', (target) => addedMilliseconds(added(target).streamTotal.p50)),
    row('Peak RSS (VmHWM, summed over its processes)', (target) => {
      const roles = Object.entries(target.peakRss.byRole);
      const parts = roles.length > 1 ? ` (${roles.map(([role, bytes]) => `${role} ${mebibytes(bytes)}`).join(', ')})` : '';
      return `${mebibytes(target.peakRss.total)}${parts}`;
    }),
  ]);
}

function rawSection(run, targets) {
  const measured = targets.filter((target) => !target.failed);
  const name = (target) => LABELS[target.name];
  const errors = (result) => String(result.errors.count);
  const sections = [];
  sections.push('### Sequential, one connection (ms)');
  sections.push(table(['', 'p50', 'p90', 'p99', 'max', 'mean', 'errors'], measured.map((target) => {
    const { latency } = target.load.sequential;
    return [name(target), milliseconds(latency.p50), milliseconds(latency.p90), milliseconds(latency.p99), milliseconds(latency.max), milliseconds(latency.mean), errors(target.load.sequential)];
  })));
  sections.push(`### Fixed rate, ${integer(run.settings.fixedRate.perSecond)} req/s open loop (ms from scheduled send time)`);
  sections.push('Send lag is how late the load generator sent requests against their schedule (Node timers fire on whole milliseconds); it is inside every figure of this table, for the baseline as much as for the gateway.');
  const overloaded = measured.filter((target) => target.load.throughput.requestsPerSecond < run.settings.fixedRate.perSecond * 2);
  if (overloaded.length > 0) {
    sections.push(`**${overloaded.map(name).join(', ')}: the maximum throughput measured below is less than twice ${integer(run.settings.fixedRate.perSecond)} req/s, so at this rate the processes are close to saturation (or past it) and requests queue.**`);
  }
  sections.push(table(['', 'p50', 'p90', 'p99', 'max', 'send lag p50', 'send lag p99', 'errors'], measured.map((target) => {
    const { latency, sendLag } = target.load.fixedRate;
    return [name(target), milliseconds(latency.p50), milliseconds(latency.p90), milliseconds(latency.p99), milliseconds(latency.max), milliseconds(sendLag.p50), milliseconds(sendLag.p99), errors(target.load.fixedRate)];
  })));
  sections.push(`### Maximum throughput, ${run.settings.throughput.connections} connections`);
  sections.push('CPU cores used during the run (warm-up included), from `/proc/<pid>/stat`; the machine has ' + `${run.machine.processors}.`);
  sections.push(table(['', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU cores: under test', 'mock upstream', 'load generator'], measured.map((target) => {
    const { throughput } = target.load;
    const cores = (value) => (Number.isFinite(value) ? value.toFixed(2) : '–');
    const byRole = Object.entries(target.cpu.underTestCoresByRole ?? {});
    const underTestCores = target.name === 'direct' ? '–'
      : `${cores(target.cpu.underTestCores)}${byRole.length > 1 ? ` (${byRole.map(([role, value]) => `${role} ${cores(value)}`).join(', ')})` : ''}`;
    return [name(target), integer(throughput.requestsPerSecond), milliseconds(throughput.latency.p50), milliseconds(throughput.latency.p99), errors(throughput),
      underTestCores, cores(target.cpu.mockCores), cores(target.cpu.loadGeneratorCores)];
  })));
  sections.push('### Streaming, one connection (ms)');
  sections.push(table(['', 'headers p50', 'first event p50', 'first event p90', 'first event p99', 'whole stream p50', 'whole stream p99', 'events per stream', 'errors'], measured.map((target) => {
    const { streaming } = target.load;
    return [name(target), milliseconds(streaming.headers.p50), milliseconds(streaming.firstEvent.p50), milliseconds(streaming.firstEvent.p90), milliseconds(streaming.firstEvent.p99),
      milliseconds(streaming.total.p50), milliseconds(streaming.total.p99), String(streaming.eventsPerStream), errors(streaming)];
  })));
  sections.push('### Other load on the machine');
  // Sampling jitter can make "everything minus ours" slightly negative.
  const cores = (value) => (Number.isFinite(value) ? Math.max(0, value).toFixed(2) : '–');
  sections.push(`Busy CPU of the whole machine (from \`/proc/stat\`) minus this benchmark's own processes: ${cores(run.otherCoresOverall)} cores on average over the whole measurement. Per target, during its maximum-throughput run (where it matters most), with the CPU stolen by the hypervisor; anything well above zero makes that target's figures noisier.`);
  sections.push(table(['', 'machine busy just before (cores)', 'other processes (cores)', 'stolen (cores)'], measured.map((target) => [
    name(target), cores(target.cpu.busyCoresBefore), cores(target.cpu.otherCores), cores(target.cpu.stolenCores),
  ])));
  return sections.join('\n\n');
}

function problemsSection(targets) {
  const lines = [];
  for (const target of targets) {
    if (target.failed) {
      lines.push(`- **${LABELS[target.name]}** did not run:\n\n  \`\`\`\n  ${target.failed.split('\n').join('\n  ')}\n  \`\`\``);
      continue;
    }
    if (!target.load.check.ok) lines.push(`- **${LABELS[target.name]}** response check failed: ${target.load.check.problems.join('; ')}`);
    for (const scenario of ['sequential', 'fixedRate', 'throughput', 'streaming']) {
      const { count, samples } = target.load[scenario].errors;
      if (count > 0) lines.push(`- **${LABELS[target.name]}**, ${scenario}: ${count} errors, e.g. ${samples.map((sample) => `\`${sample.replace(/`/g, "'").replace(/\s+/g, ' ')}\``).join(', ')}`);
    }
  }
  return lines.length > 0 ? lines.join('\n') : 'None: every request answered 200, and the gateway returned the recorded content unchanged (checked once per target, streaming and not).';
}

function buildReport(run) {
  const direct = run.targets.find((target) => target.name === 'direct');
  const gateways = run.targets.filter((target) => target.name !== 'direct');
  const verdicts = TARGETS.map((definition) => {
    const target = gateways.find((candidate) => candidate.name === definition.mode);
    return { definition, ...verdict(definition, target, direct) };
  });
  const sections = [
    '# Switchyard gateway benchmark results',
    'Written by `npm run bench` (see [README.md](README.md) for the method and caveats). Everything ran on the one machine below: the mock upstream, the gateway and the load generator share its CPUs.',
    '## Machine',
    machineSection(run),
    '## Targets',
    table(['Target', 'Measured', 'Result'], verdicts.map(({ definition, measured, result }) => [definition.label, measured, result])),
    '## What the gateway adds over calling the upstream directly',
    'Each latency is a percentile through the gateway minus the same percentile measured straight against the mock upstream, in the same run. The reference proxy is not the gateway: it is `bench/reference-proxy.js`, a bare `node:http` server forwarding with undici (no routing, validation, logging or metrics), measured the same way to show what one Node.js proxy hop costs on this machine before any gateway logic.',
    addedSection(run, direct, gateways),
    '## Raw figures',
    settingsSection(run.settings),
    rawSection(run, run.targets),
    '## Errors and checks',
    problemsSection(run.targets),
  ];
  if (run.profileSummary) sections.push('## CPU profile (gateway under this load)', run.profileSummary);
  return { markdown: `${sections.join('\n\n')}\n`, verdicts };
}

module.exports = { buildReport };

/**
 * Scenario `edge-devices`: many Omi Dev Kits streaming at once into one
 * Switchyard process (`switchyard start`, edge routes on the gateway's port).
 * Each simulated device is the reference relay (services/edge-ingest relay/)
 * streaming real Opus (flite `slt` speech, 16 kHz / 10 ms frames) in real
 * time over `/v4/listen`. Speech to text is the `gateway` engine pointed at a
 * loopback server that answers OpenAI's transcription format at once, so the
 * process's CPU is the edge's own work: decoding, voice-activity detection
 * (Silero), segments, sockets. Reported:
 *   - CPU seconds of the gateway process per device-second of audio;
 *   - resident memory per open connection (idle streams, after `ready`);
 *   - latency from a device's first audio frame to its first segment.
 * The devices run in this process; its own CPU is reported beside, so a
 * saturated client is visible.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeDeviceFrames, OmiRelay, speakWithFlite } from '@switchyard/edge-ingest';
import { stopChild } from '../harness/child-processes';
import { startGateway, startMockUpstream, type ProcessGroup } from '../harness/gateway-processes';
import { summarizeLatencies } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, milliseconds } from '../harness/markdown';
import { cpuSeconds, ownCpuSeconds, residentBytes } from '../harness/proc-readings';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { devices: 1000, seconds: 20 },
  quick: { devices: 50, seconds: 6 },
};

/** Answers every transcription at once, in OpenAI's `verbose_json`. */
async function startInstantTranscriptions(): Promise<{ baseUrl: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ task: 'transcribe', language: 'english', duration: 1, text: ' Good morning everyone.', words: [], segments: [] }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `switchyard_edge_packets_total` summed over codecs, by outcome, from the gateway's `/metrics`. */
async function edgePacketOutcomes(origin: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const outcomes = new Map<string, number>();
  for (const match of text.matchAll(/^switchyard_edge_packets_total\{[^}]*outcome="([^"]+)"[^}]*\} (\S+)$/gm)) {
    outcomes.set(match[1], (outcomes.get(match[1]) ?? 0) + Number(match[2]));
  }
  return outcomes;
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const startedAt = new Date();
  const started = performance.now();
  const speech = speakWithFlite('Good morning everyone, thanks for joining the weekly planning meeting.');
  // Speech, then silence, repeated to the run's length: utterances end, segments are made, VAD sees both.
  const cycle = new Int16Array(speech.samples.length + 16_000 * 2);
  cycle.set(speech.samples);
  const audio = new Int16Array(16_000 * settings.seconds);
  for (let offset = 0; offset < audio.length; offset += cycle.length)
    audio.set(cycle.subarray(0, Math.min(cycle.length, audio.length - offset)), offset);

  // Encoded once, streamed by every device: the devices' encoders are not what is measured.
  const packets = encodeDeviceFrames(audio, 'opus');
  const transcriptions = await startInstantTranscriptions();
  const upstream = await startMockUpstream();
  let gateway: ProcessGroup | undefined;
  const relays: OmiRelay[] = [];
  try {
    context.progress('starting switchyard (one process)');
    gateway = await startGateway('embedded', {
      upstreamBaseUrl: `${upstream.origin}/v1`,
      outputDirectory: context.outputDirectory,
      logLevel: context.options.logLevel,
      readinessOnly: true,
      config: { edge: { maxStreams: settings.devices + 100, speech: { engine: 'gateway', gateway: { baseUrl: transcriptions.baseUrl } } } },
    });
    const pid = gateway.processes[0].child.pid as number;
    const url = gateway.origin.replace(/^http/, 'ws');
    await context.quiet.wait();

    // Memory: the process with its models loaded (one stream first), then with every stream open and ready.
    const warm = new OmiRelay({ url, awaitReady: true, pace: Infinity });
    await warm.stream(new Int16Array(1600));
    await warm.close();
    const idleRss = residentBytes(pid);
    context.progress(`opening ${settings.devices} streams`);
    const firstSegmentAt: number[] = [];
    const firstFrameAt = new Map<number, number>();
    for (let index = 0; index < settings.devices; index += 1) {
      relays.push(
        new OmiRelay({
          url,
          awaitReady: true,
          pace: 1,
          // 100 ms of frames at a time, as a phone batches its radio: 10 sends per wake-up instead of one.
          burstMs: 100,
          backoffBaseMs: 200,
          onMessage: (message) => {
            if (message.kind === 'segments' && firstSegmentAt[index] === undefined) firstSegmentAt[index] = performance.now();
          },
        }),
      );
    }
    // Connected (and ready) with no audio yet: the memory of open streams.
    await Promise.all(relays.map((relay) => relay.stream(new Int16Array(0))));
    const openRss = residentBytes(pid);

    context.progress(`streaming ${settings.seconds} s of Opus from ${settings.devices} devices`);
    const cpuBefore = cpuSeconds(pid);
    const ownBefore = ownCpuSeconds();
    const streamStarted = performance.now();
    const reports = await Promise.all(
      relays.map((relay, index) => {
        firstFrameAt.set(index, performance.now());
        return relay.streamPackets(packets);
      }),
    );
    const streamSeconds = (performance.now() - streamStarted) / 1000;
    const cpu = cpuSeconds(pid) - cpuBefore;
    const ownCpu = ownCpuSeconds() - ownBefore;
    const deviceSeconds = settings.devices * settings.seconds;
    const latencies = firstSegmentAt.flatMap((at, index) => (at === undefined ? [] : [at - (firstFrameAt.get(index) ?? at)]));
    const latency = summarizeLatencies(latencies);
    const sent = reports.reduce((sum, report) => sum + report.framesSent, 0);
    const encoded = reports.reduce((sum, report) => sum + report.framesEncoded, 0);
    const packetOutcomes = await edgePacketOutcomes(gateway.origin);
    const decoded = packetOutcomes.get('decoded') ?? 0;
    const shed = [...packetOutcomes].filter(([outcome]) => outcome.startsWith('shed')).reduce((sum, [, count]) => sum + count, 0);
    const closeCodes = new Map<number, number>();
    for (const report of reports) for (const close of report.closes) closeCodes.set(close.code, (closeCodes.get(close.code) ?? 0) + 1);
    const closes = [...closeCodes].map(([code, count]) => `${integer(count)} × ${code}`).join(', ') || 'none';

    const lines = [
      '### Edge devices (Omi relay → /v4/listen, one process)',
      '',
      `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
        `Command: \`npm run bench -- edge-devices${context.options.quick ? ' --quick' : ''}\`.`,
      '',
      `${integer(settings.devices)} simulated Dev Kits, each streaming ${settings.seconds} s of real Opus (flite speech and silence, ` +
        '16 kHz / 10 ms frames, one packet per message) in real time to `switchyard start`; speech to text answered at once by a ' +
        "loopback server in OpenAI's format, so the figures are decoding, voice activity (Silero VAD), segments and sockets.",
      '',
      '| measure | value |',
      '| --- | --- |',
      `| gateway CPU per device-second of audio | ${milliseconds((cpu / deviceSeconds) * 1000, 2)} ms (${cpu.toFixed(1)} CPU s for ${integer(deviceSeconds)} device-seconds) |`,
      `| gateway cores busy while streaming | ${(cpu / streamSeconds).toFixed(2)} cores busy over ${streamSeconds.toFixed(1)} s of wall time for ${settings.seconds} s of audio${streamSeconds > settings.seconds * 1.1 ? ' (the devices fell behind real time)' : ''} |`,
      `| memory per open stream (RSS, idle, ready) | ${integer((openRss - idleRss) / settings.devices / 1024)} KiB (${integer(idleRss / 1024 / 1024)} MiB before, ${integer(openRss / 1024 / 1024)} MiB with ${integer(settings.devices)} open) |`,
      `| first audio frame → first segment, p50 / p90 / p99 / max | ${milliseconds(latency.p50, 0)} / ${milliseconds(latency.p90, 0)} / ${milliseconds(latency.p99, 0)} / ${milliseconds(latency.max, 0)} ms (${integer(latency.count)} devices got one) |`,
      `| packets decoded / shed by the server (\`switchyard_edge_packets_total\`) | ${integer(decoded)} / ${integer(shed)} (${[...packetOutcomes].map(([outcome, count]) => `${outcome} ${integer(count)}`).join(', ')}) |`,
      `| gateway CPU per device-second of audio it kept (decoded, not shed) | ${milliseconds((cpu / Math.max(1, decoded / 100)) * 1000, 2)} ms |`,
      `| frames sent / encoded | ${integer(sent)} / ${integer(encoded)} |`,
      `| transcription requests | ${integer(transcriptions.requests())} |`,
      `| socket closes by the server (code) | ${closes} |`,
      `| the devices' own CPU (this process) | ${ownCpu.toFixed(1)} CPU s |`,
    ];
    return { markdown: lines.join('\n') };
  } finally {
    await Promise.all(relays.map((relay) => relay.close()));
    await gateway?.stop();
    await stopChild(upstream.child);
    await transcriptions.close();
  }
}

export const edgeDevices: Scenario = {
  name: 'edge-devices',
  summary: 'Omi devices streaming Opus to /v4/listen on one process: CPU per device-second, memory per stream, first-segment latency',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};

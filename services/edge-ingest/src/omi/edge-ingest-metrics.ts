import { Counter, Gauge, Registry } from 'prom-client';

/** What a packet came to. */
export type PacketOutcome = 'decoded' | 'keepalive' | 'undecodable' | 'shed_pending' | 'shed_pipeline';

/** Why a client was dropped or a stream was refused without a protocol close of its own. */
export type DropReason = 'slow_reader' | 'too_many_streams' | 'too_many_undecodable';

/** The edge's counters, registered in the gateway's registry (one process) or the role's own. */
export class EdgeIngestMetrics {
  readonly registry: Registry;
  private readonly streams: Gauge;
  private readonly closes: Counter<'code'>;
  private readonly packets: Counter<'codec' | 'outcome'>;
  private readonly drops: Counter<'reason'>;
  private readonly syncedFiles: Counter<'outcome'>;

  constructor(registry?: Registry) {
    this.registry = registry ?? new Registry();
    const registers = [this.registry];
    this.streams = new Gauge({ name: 'switchyard_edge_streams_open', help: 'Omi audio streams open now.', registers });
    this.closes = new Counter({ name: 'switchyard_edge_stream_closes_total', help: 'Omi audio streams closed, by close code.', labelNames: ['code'], registers });
    this.packets = new Counter({
      name: 'switchyard_edge_packets_total',
      help: 'Audio packets received, by codec and outcome: decoded, keepalive, undecodable, or shed (shed_pending while the stream starts, shed_pipeline when the pipeline is full).',
      labelNames: ['codec', 'outcome'],
      registers,
    });
    this.drops = new Counter({ name: 'switchyard_edge_dropped_clients_total', help: 'Clients dropped or refused by the edge, by reason.', labelNames: ['reason'], registers });
    this.syncedFiles = new Counter({ name: 'switchyard_edge_sync_files_total', help: 'Files of /v1/sync-local-files, by outcome.', labelNames: ['outcome'], registers });
  }

  streamOpened(): void {
    this.streams.inc();
  }

  streamClosed(code: number): void {
    this.streams.dec();
    this.closes.inc({ code: String(code) });
  }

  packet(codec: string, outcome: PacketOutcome, count = 1): void {
    this.packets.inc({ codec, outcome }, count);
  }

  dropped(reason: DropReason): void {
    this.drops.inc({ reason });
  }

  syncedFile(outcome: 'processed' | 'refused'): void {
    this.syncedFiles.inc({ outcome });
  }
}

// The edge-ingest service's public surface: omi/ (the socket and sync routes), decode/, vad/, stt/, segments/, conversations/.
export * from './contracts';
export * from './vad';
export * from './stt';
export * from './segments';
export { createAudioDecoder, type AudioDecoder, type DecodedPacket } from './decode/audio-decoder';
export { SUPPORTED_CODECS, UNSUPPORTED_CODECS, type SupportedCodec } from './decode/codecs';
export { OMI_CLOSE_CODES } from './omi/close-codes';
export { EdgeIngestMetrics } from './omi/edge-ingest-metrics';
export {
  createOmiEndpoints,
  LISTEN_PATH,
  SYNC_LOCAL_FILES_PATH,
  WEB_LISTEN_PATH,
  type OmiEndpoints,
  type OmiEndpointsOptions,
} from './omi/omi-endpoints';
export { bearerCredential, type EdgeAuthenticate } from './omi/stream-authentication';
export { startEdgeIngestServer, type EdgeIngestServer, type EdgeIngestServerOptions } from './server/edge-ingest-server';
export * from './conversations';
export * from './relay';

// The edge-ingest service's public surface: omi/ (the socket and sync routes), decode/, vad/, stt/, segments/, conversations/.
export * from './contracts';
export * from './relay';

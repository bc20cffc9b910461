/** The mem_info decoder: bytes in, heap snapshots out (see ./api.ts for the contract). */
export type { DecodeResult, DecoderOptions, DecodeWarning, StreamDecoder } from './api.js';
export { createDecoder, decodeText, MemInfoDecoder } from './decoder.js';
export { formatMarker, MARKER_PREFIX, parseMarker, type SnapshotMarker } from './markers.js';

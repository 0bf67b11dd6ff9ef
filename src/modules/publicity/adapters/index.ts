export { createAdapter, retryAfterMs, MAX_BATCH_RECORDS, MAX_BODY_BYTES, DEFAULT_RETRY_AFTER_MS, type AdapterOptions } from './http.js';
export { hmacSignature, sha256Hex } from './auth.js';
export * from './types.js';

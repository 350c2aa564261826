export * from './lib/ads-api-client';
export * from './lib/errors';
export * from './lib/logger';
export * from './lib/regions';
export * from './lib/backoff';
export * from './lib/lossless-json';
export * from './lib/media-types';
export * from './lib/client-request-token';
export * from './lib/shapes';
export { LwaTokenProvider } from './lib/token-provider';
export type {
  AdsConnectionState,
  AdsConnectionStatus,
  AdsCredentials,
  LwaTokenProviderOptions,
} from './lib/token-provider';
export { AdsHttpClient } from './lib/http-client';
export type { AdsRequest, AdsResponse, AdsHttpClientOptions } from './lib/http-client';
export * from './lib/entity-writer';
export type { WriteItemResult } from './lib/write-results';

import { AdsEmulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN } from '@ams/ads-api-emulator';
import { AdsApiClient, AdsApiClientOptions } from './ads-api-client';

/**
 * Spec support (the AdsApiClient specs only): a client of the running emulator with its default credentials;
 * `o` overrides any option (retry policy, logger, clock) as each spec needs.
 */
export function emulatorClient(emu: AdsEmulator, o: Partial<AdsApiClientOptions> = {}): AdsApiClient {
  return new AdsApiClient({
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    refreshToken: DEFAULT_REFRESH_TOKEN,
    apiEndpoint: emu.url,
    lwaEndpoint: emu.tokenUrl,
    ...o,
  });
}

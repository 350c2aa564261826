/**
 * The Ads API emulator as a process:
 *   ts-node … tools/ads-api-emulator/src/main.ts [--port 8765] [--host 127.0.0.1] [--seed FILE.json]
 *     [--keywords N] [--campaigns N] [--token-lifetime SECONDS]
 * Prints one JSON line `{"url", "tokenUrl", "clientId", "profiles"}` once it listens; stops on SIGTERM/SIGINT.
 * The client secret and refresh token of the default seed are in seed.ts (they are test values).
 */
import { readFileSync } from 'node:fs';
import { startAdsEmulator } from './server';
import { EmulatorSeed, defaultSeed, keywordHeavySeed } from './seed';

export interface CliOptions {
  port: number;
  host: string;
  seedFile?: string;
  keywords?: number;
  campaigns?: number;
  tokenLifetime?: number;
}

export function parseCli(argv: string[]): CliOptions {
  const o: CliOptions = { port: 8765, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${value ?? 'nothing'}`);
      i++;
      return n;
    };
    switch (flag) {
      case '--port':
        o.port = int();
        break;
      case '--host':
        o.host = value;
        i++;
        break;
      case '--seed':
        o.seedFile = value;
        i++;
        break;
      case '--keywords':
        o.keywords = int();
        break;
      case '--campaigns':
        o.campaigns = int();
        break;
      case '--token-lifetime':
        o.tokenLifetime = int();
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return o;
}

function seedOf(o: CliOptions): EmulatorSeed {
  if (o.seedFile) return JSON.parse(readFileSync(o.seedFile, 'utf8')) as EmulatorSeed;
  if (o.keywords !== undefined) return keywordHeavySeed(o.keywords);
  return defaultSeed({ campaigns: o.campaigns });
}

async function main(): Promise<void> {
  const o = parseCli(process.argv.slice(2));
  const seed = seedOf(o);
  const emulator = await startAdsEmulator({
    port: o.port,
    host: o.host,
    seed,
    accessTokenLifetimeSeconds: o.tokenLifetime,
  });
  process.stdout.write(
    `${JSON.stringify({ url: emulator.url, tokenUrl: emulator.tokenUrl, clientId: seed.clientId, profiles: seed.profiles.map((p) => p.profileId) })}\n`,
  );
  const stop = () => {
    emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`ads-api-emulator: ${err.message}\n`);
    process.exit(64);
  });
}

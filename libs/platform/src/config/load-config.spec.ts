import { IsBoolean, IsInt, IsString, Min } from 'class-validator';
import { Transform, Type } from 'class-transformer';
import { envBoolean, envList } from './env-transforms';
import { CommonEnv } from './common-env';
import { ConfigError, loadConfig } from './load-config';

class TestEnv extends CommonEnv {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  BATCH_SIZE: number = 10;

  @Transform(envBoolean)
  @IsBoolean()
  INSECURE: boolean = false;

  @Transform(envList)
  @IsString({ each: true })
  KEYS: string[] = [];
}

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const env = loadConfig('t', TestEnv, { PORT: '4000', BATCH_SIZE: '25' });
    expect(env.PORT).toBe(4000);
    expect(env.BATCH_SIZE).toBe(25);
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('names every bad variable in one error, never the values', () => {
    let err: unknown;
    try {
      loadConfig('ingestor', TestEnv, {
        PORT: 'eighty',
        DATABASE_URL: 'mysql://secret-password@db',
        BATCH_SIZE: '0',
        NATS_URL: 'http://x',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    for (const name of ['PORT', 'DATABASE_URL', 'BATCH_SIZE', 'NATS_URL']) expect(msg).toContain(name);
    expect((err as ConfigError).problems).toHaveLength(4);
    expect(msg).not.toContain('secret-password');
    expect(msg).toMatch(/^ingestor: invalid environment/);
  });

  it('reads booleans from their text: "false" is false, "maybe" is an error', () => {
    expect(loadConfig('t', TestEnv, { INSECURE: 'false' }).INSECURE).toBe(false);
    expect(loadConfig('t', TestEnv, { INSECURE: '0' }).INSECURE).toBe(false);
    expect(loadConfig('t', TestEnv, { INSECURE: 'TRUE' }).INSECURE).toBe(true);
    expect(loadConfig('t', TestEnv, {}).INSECURE).toBe(false);
    expect(() => loadConfig('t', TestEnv, { INSECURE: 'maybe' })).toThrow(/INSECURE/);
  });

  it('splits lists on commas', () => {
    expect(loadConfig('t', TestEnv, { KEYS: ' a, b,,c ' }).KEYS).toEqual(['a', 'b', 'c']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig('t', TestEnv, { PORT: '' }).PORT).toBe(3000);
  });
});

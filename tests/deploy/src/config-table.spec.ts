import { readText } from './manifests';
import { configTableProblems, parseTable, requiredVariables } from './config-table';

/**
 * env.example is the configuration table: every variable an env class declares, in its app's section,
 * with the default the class gives it. A variable added to a class (or a default changed) fails here
 * until env.example says so.
 */
describe('env.example, the configuration table', () => {
  const text = readText('env.example');

  it('lists every variable the env classes declare, each once, in a section of an app that reads it, with its default', () => {
    expect(configTableProblems(text)).toEqual([]);
  });

  it('has the sections the check reads: every app, then one per app', () => {
    expect(parseTable(text).sections).toEqual([
      'every app',
      'ingestor',
      'processor',
      'aggregator',
      'alerter',
      'api',
      'connector',
    ]);
  });

  it('finds the required variables from the apps themselves', () => {
    expect(requiredVariables('ingestor')).toEqual(['SQS_QUEUE_URLS']);
    expect(requiredVariables('api')).toEqual(['API_KEYS']);
    expect(requiredVariables('processor')).toEqual([]);
  });

  it('names a declared variable that the table leaves out, and where to add it', () => {
    const without = text.replace(/^PROCESSOR_ACK_WAIT_MS=.*\n/m, '');
    expect(configTableProblems(without)).toEqual([
      'PROCESSOR_ACK_WAIT_MS is declared in apps/processor/src/config/processor.env.ts but missing from env.example: add "PROCESSOR_ACK_WAIT_MS=30000" under "# ---- processor ----"',
    ]);
  });

  it('names a listed variable that no env class declares', () => {
    const extra = text.replace(/^(PROCESSOR_ACK_WAIT_MS=.*\n)/m, '$1PROCESSOR_TURBO=true\n');
    const problems = configTableProblems(extra);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PROCESSOR_TURBO \(env\.example:\d+\) is declared by no env class/);
  });

  it('names a default that differs from the class, with the class file', () => {
    const changed = text
      .replace(/^SQS_BATCH_SIZE=10/m, 'SQS_BATCH_SIZE=5')
      .replace(/^DATABASE_POOL_SIZE=10/m, 'DATABASE_POOL_SIZE=20');
    const problems = configTableProblems(changed);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^DATABASE_POOL_SIZE \(env\.example:\d+\) is "20" in env\.example, but its default in libs\/platform\/src\/config\/common-env\.ts is "10"/,
    );
    expect(problems[1]).toMatch(
      /^SQS_BATCH_SIZE \(env\.example:\d+\) is "5" in env\.example, but its default in apps\/ingestor\/src\/config\/ingestor\.env\.ts is "10"/,
    );
  });

  it('names a variable listed in the section of an app that does not read it', () => {
    const moved = text
      .replace(/^(PROCESSOR_ACK_WAIT_MS=.*)\n/m, '')
      .replace(/^(API_CACHE_TTL_SECONDS=.*)$/m, '$1\nPROCESSOR_ACK_WAIT_MS=30000');
    expect(configTableProblems(moved)).toEqual([
      expect.stringMatching(
        /^PROCESSOR_ACK_WAIT_MS \(env\.example:\d+\) is in the api section, but apps\/api\/src\/config\/api\.env\.ts does not declare it: move it to the section of processor/,
      ),
    ]);
  });

  it('names a required variable whose comment does not say so, and a PORT comment that misses an app', () => {
    const broken = text
      .replace(/# required, comma-separated/, '# comma-separated')
      .replace(/aggregator 3004/, 'aggregator 3005');
    const problems = configTableProblems(broken);
    expect(problems).toEqual([
      expect.stringMatching(/^PORT \(env\.example:\d+\): the comment in env\.example must name "aggregator 3004"/),
      expect.stringMatching(/^SQS_QUEUE_URLS \(env\.example:\d+\): ingestor requires it/),
    ]);
  });
});

import { readText } from './manifests';
import { SETTINGS_READMES, settingsProblems, settingsRows } from './readme-settings';

/** The settings tables of the app READMEs (and libs/platform's) state the env classes' own defaults. */
describe('README settings tables', () => {
  it.each(SETTINGS_READMES)('%s: every row is a variable of its env class, with its default', (readme, owner) => {
    const text = readText(readme);
    expect(settingsProblems(readme, owner, text)).toEqual([]);
  });

  it('reads the rows of the tables that have a variable and a default column', () => {
    expect(settingsRows(readText('apps/ingestor/README.md')).map((r) => r.name)).toEqual(
      expect.arrayContaining(['SQS_QUEUE_URLS', 'SQS_BATCH_SIZE', 'SNS_ENDPOINT']),
    );
    expect(settingsRows(readText('libs/platform/README.md')).map((r) => r.name)).toContain('DATABASE_POOL_SIZE');
  });

  it('knows the CommonEnv variables without a default: unset, never another value', () => {
    const text = [
      '| variable | default | meaning |',
      '|---|---|---|',
      '| `METRICS_PORT` | unset | ok |',
      '| `NATS_USER` | `ams` | wrong |',
    ].join('\n');
    expect(settingsProblems('libs/platform/README.md', 'common', text)).toEqual([
      'libs/platform/README.md:4: NATS_USER default is "`ams`", but libs/platform/src/config/common-env.ts gives "unset": write unset',
    ]);
  });

  it('names a wrong default, a wrong word, and a variable the app does not declare', () => {
    const text = [
      '| variable | default | meaning |',
      '|---|---|---|',
      '| `SQS_BATCH_SIZE` | `5` | messages per receive |',
      '| `SQS_QUEUE_URLS` | empty | queues |',
      '| `SQS_ENDPOINT` | unset | local endpoint |',
      '| `INGEST_ENABLED` | true | polling |',
      "| `PROCESSOR_BATCH_SIZE` | `1000` | not the ingestor's |",
      '',
      '| metric | what |',
      '|---|---|',
      '| `SQS_NOT_A_SETTING` | ignored: no default column |',
    ].join('\n');
    expect(settingsProblems('apps/ingestor/README.md', 'ingestor', text)).toEqual([
      'apps/ingestor/README.md:3: SQS_BATCH_SIZE default is "`5`", but apps/ingestor/src/config/ingestor.env.ts gives "10": write `10`',
      'apps/ingestor/README.md:4: SQS_QUEUE_URLS default is "empty", but apps/ingestor/src/config/ingestor.env.ts gives "required": write required',
      'apps/ingestor/README.md:7: PROCESSOR_BATCH_SIZE is not declared in apps/ingestor/src/config/ingestor.env.ts: remove the row or fix the name',
    ]);
  });
});

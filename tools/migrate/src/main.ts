/**
 * The migration step: applies pending migrations to DATABASE_URL (creating the database if it does
 * not exist yet) and exits 0, or exits 1 naming what failed. The only way the schema changes; apps
 * never migrate at start. Locally `npm run db:migrate`; in production the `migrate` image
 * (docker/migrate.Dockerfile) run by the Kubernetes Job or the compose `migrate` service.
 */
import { migrate } from './migrate';

// A command-line tool: its output is plain lines on stdout/stderr, read by people and Job logs.
const say = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string, code: number): never => {
  process.stderr.write(`${line}\n`);
  process.exit(code);
};

async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    return fail('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/ams_sentinel)', 2);
  }
  const result = await migrate(url);
  if (result.createdDatabase) say(`created database ${result.database}`);
  say(result.applied.length ? `applied: ${result.applied.join(', ')}` : 'schema is up to date');
}

main().catch((err: unknown) => {
  fail(`migration failed: ${err instanceof Error ? err.message : String(err)}`, 1);
});

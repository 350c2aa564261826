import { MigrationInterface, QueryRunner } from 'typeorm';

/** Whether the ingestors poll SQS: one row, switched at run time by a command (writer: ingestor). */
export class IngestControl1764390100000 implements MigrationInterface {
  name = 'IngestControl1764390100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest_control (
        id smallint PRIMARY KEY CHECK (id = 1),
        polling_enabled boolean NOT NULL,
        reason text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ingest_control`);
  }
}

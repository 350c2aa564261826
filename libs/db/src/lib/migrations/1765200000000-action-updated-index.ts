import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * automation_action by `updated_at`: the api's event stream (`GET /v1/events`) reads the actions changed in the last
 * seconds once a second while a browser listens (proposals and decisions have no NATS event of their own). Without
 * this index that read scans the table; with it, it reads the few rows of the last seconds.
 */
export class ActionUpdatedIndex1765200000000 implements MigrationInterface {
  name = 'ActionUpdatedIndex1765200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX automation_action_updated_idx ON automation_action (updated_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX automation_action_updated_idx`);
  }
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Whether the ingestors poll SQS: one row (id 1), switched at run time by a command (writer: ingestor). */
@Entity({ name: 'ingest_control' })
export class IngestControlEntity {
  @PrimaryColumn('smallint') id!: 1;
  @Column('boolean', { name: 'polling_enabled' }) pollingEnabled!: boolean;
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

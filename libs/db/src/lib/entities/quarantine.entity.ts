import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Something received that could not be stored: kept with its reason and raw body, replayable. */
@Entity({ name: 'quarantine' })
export class QuarantineEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'quarantine_key', unique: true }) quarantineKey!: string;
  @Column('text') source!: 'ingestor' | 'processor';
  @Column('text') code!: string;
  @Column('text') reason!: string;
  @Column('text', { name: 'dataset_id', nullable: true }) datasetId!: string | null;
  @Column('text', { name: 'raw_body' }) rawBody!: string;
  @Column('text', { name: 'sqs_message_id', nullable: true }) sqsMessageId!: string | null;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  @Column('text') status!: 'open' | 'replayed';
  @Column('timestamptz', { name: 'replayed_at', nullable: true }) replayedAt!: Date | null;
  @Column('text', { name: 'replay_outcome', nullable: true }) replayOutcome!: string | null;
}

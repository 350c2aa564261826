import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One SNS SubscriptionConfirmation seen by the ingestor and what it did with it. */
@Entity({ name: 'subscription_confirmation' })
export class SubscriptionConfirmationEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'topic_arn' }) topicArn!: string;
  @Column('text', { name: 'dataset_id', nullable: true }) datasetId!: string | null;
  @Column('text', { nullable: true }) realm!: string | null;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('text', { name: 'account_id', nullable: true }) accountId!: string | null;
  @Column('text') outcome!: 'confirmed' | 'refused' | 'failed';
  @Column('text', { nullable: true }) detail!: string | null;
  @Column('text', { name: 'subscription_arn', nullable: true }) subscriptionArn!: string | null;
  @Column('text', { name: 'sqs_message_id', nullable: true }) sqsMessageId!: string | null;
  @Column('timestamptz', { name: 'attempted_at' }) attemptedAt!: Date;
}

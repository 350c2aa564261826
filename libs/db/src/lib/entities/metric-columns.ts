import { Column } from 'typeorm';
import { METRIC_NAMES, MONEY_METRICS, type MetricName } from '@ams/ams';

/**
 * The metric columns shared by performance_delta and hourly_fact. bigint and numeric come back
 * from pg as strings: counts may exceed 2^53 after summing, and money must never be a float.
 */
export abstract class MetricColumns {
  @Column('bigint') impressions!: string;
  @Column('bigint') clicks!: string;
  @Column('numeric') cost!: string;
  @Column('bigint', { name: 'viewable_impressions' }) viewableImpressions!: string;
  @Column('bigint', { name: 'orders_1d' }) orders1d!: string;
  @Column('bigint', { name: 'orders_7d' }) orders7d!: string;
  @Column('bigint', { name: 'orders_14d' }) orders14d!: string;
  @Column('bigint', { name: 'orders_30d' }) orders30d!: string;
  @Column('numeric', { name: 'sales_1d' }) sales1d!: string;
  @Column('numeric', { name: 'sales_7d' }) sales7d!: string;
  @Column('numeric', { name: 'sales_14d' }) sales14d!: string;
  @Column('numeric', { name: 'sales_30d' }) sales30d!: string;
  @Column('bigint', { name: 'units_1d' }) units1d!: string;
  @Column('bigint', { name: 'units_7d' }) units7d!: string;
  @Column('bigint', { name: 'units_14d' }) units14d!: string;
  @Column('bigint', { name: 'units_30d' }) units30d!: string;
}

/**
 * Column names of the metrics in SQL, in a fixed order (used by set-based statements): the
 * normalised metric names of libs/ams, which the tables use as column names one to one.
 */
export const METRIC_COLUMNS = METRIC_NAMES;
export type MetricColumn = MetricName;
export const MONEY_COLUMNS: ReadonlySet<string> = MONEY_METRICS;

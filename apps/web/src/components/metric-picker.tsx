import { METRIC_LABEL, type MetricName } from '../lib/metrics';

/** A radio group choosing the charted metric (keyboard: arrows within the group). */
export function MetricPicker<M extends string>({
  value,
  options,
  onChange,
  legend = 'Metric',
  labels = METRIC_LABEL as unknown as Record<M, string>,
}: {
  value: M;
  options: readonly M[];
  onChange: (m: M) => void;
  legend?: string;
  labels?: Record<M, string>;
}) {
  return (
    <fieldset class="toggle">
      <legend>{legend}</legend>
      {options.map((m) => (
        <label key={m}>
          <input type="radio" name={legend} value={m} checked={m === value} onChange={() => onChange(m)} />
          {labels[m] ?? (m as unknown as MetricName)}
        </label>
      ))}
    </fieldset>
  );
}

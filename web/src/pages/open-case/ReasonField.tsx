import { Field, fieldError } from '../../components/common';
import { ReasonOptions } from '../../components/options';
import type { ReasonCode } from '../../../../contract';

/** The reason a case is opened for, chosen (never assumed): empty until then, which the form refuses. */
export function ReasonField({ value, error, onChange }: { value: ReasonCode | ''; error: unknown; onChange: (reason: ReasonCode) => void }) {
  return (
    <Field label="Reason" error={fieldError(error, 'reasonCode')}>
      {(props) => (
        <select {...props} name="reasonCode" value={value} onChange={(e) => onChange(e.target.value as ReasonCode)}>
          <option value="">Choose a reason…</option>
          <ReasonOptions />
        </select>
      )}
    </Field>
  );
}

// What the two ways of opening a case (one invoice, or several invoices and lines) share: the reason, chosen and never
// assumed, and the command that opens the case and goes to it.
import { Field, fieldError } from '../../components/common';
import { ReasonOptions } from '../../components/options';
import { api, type ApiError } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { navigate } from '../../lib/router';
import type { ReasonCode } from '../../../../contract';

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

type OpenRequest = Parameters<typeof api.openDispute>[0];

/** `open` refuses what the form found (`local`) and a reason not chosen, or opens the case and shows it. */
export function useOpenCase() {
  // What an opening changes: the amounts in dispute of its invoices, and the case lists.
  const command = useCommand([['invoice'], ['invoices'], ['disputes']]);
  function open(reason: ReasonCode | '', local: ApiError['details'], request: (reasonCode: ReasonCode) => OpenRequest) {
    if (!reason) local.push({ field: 'reasonCode', message: 'choose the reason the customer gives' });
    if (!reason || local.length) {
      command.refuse('Please complete the form.', local);
      return;
    }
    command.run(
      (key) => api.openDispute(request(reason), key),
      (opened) => navigate(`/cases/${opened.caseNumber}`, { opened: '1' }),
    );
  }
  return { ...command, open };
}

// Opening one case over several invoices of a customer: tick the invoices found, each disputed for its own amount
// (by default what is still collectible on it, i.e. not already in another open case), or some of its lines each for
// its own amount (by default what the line billed), with one reason. An invoice is disputed whole or by lines, never
// both: ticking a line unticks the whole invoice, and ticking the whole invoice drops its lines.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Field, Section, SubmitButton, fieldError } from '../../components/common';
import { moneyInput, showMoney } from '../../lib/money';
import { InvoiceLines } from './InvoiceLines';
import { ReasonField, useOpenCase } from './opening';
import type { InvoiceSummary, ReasonCode } from '../../../../contract';

export function ItemsOpenForm({ invoices, chosen, amounts, onAmount }: {
  invoices: InvoiceSummary[];
  chosen: string[];
  amounts: Record<string, string>;
  onAmount: (number: string, amount: string) => void;
}) {
  const [reason, setReason] = useState<ReasonCode | ''>('');
  const [description, setDescription] = useState('');
  const { error, setError, busy, open } = useOpenCase();
  const picked = chosen.map((n) => invoices.find((i) => i.number === n)).filter((i): i is InvoiceSummary => Boolean(i));
  // Per invoice ticked, the lines ticked (lineNo → amount typed); absent: the whole invoice.
  const [byLines, setByLines] = useState<Record<string, Record<number, string>>>({});
  const items = picked.flatMap((inv): { invoice: InvoiceSummary; lineNo?: number; amount: string }[] => {
    const lines = byLines[inv.number];
    return lines
      ? Object.entries(lines).map(([lineNo, amount]) => ({ invoice: inv, lineNo: Number(lineNo), amount }))
      : [{ invoice: inv, amount: amounts[inv.number] ?? '' }];
  });
  const indexOf = (invoiceNumber: string, lineNo?: number) => items.findIndex((i) => i.invoice.number === invoiceNumber && i.lineNo === lineNo);
  const setLines = (invoiceNumber: string, lines: Record<number, string> | undefined) => {
    setByLines((all) => {
      const { [invoiceNumber]: _dropped, ...rest } = all;
      return lines ? { ...rest, [invoiceNumber]: lines } : rest;
    });
    setError(undefined);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (!picked.length) local.push({ field: 'items', message: 'tick at least one invoice' });
    for (const inv of picked) {
      if (!items.some((i) => i.invoice === inv)) local.push({ field: 'items', message: `dispute the whole of ${inv.number} or tick some of its lines` });
    }
    items.forEach((item, index) => {
      if ((moneyInput(item.amount) ?? 0n) <= 0n) {
        const what = item.lineNo === undefined ? item.invoice.number : `line ${item.lineNo} of ${item.invoice.number}`;
        local.push({ field: `items.${index}.disputedAmount`, message: `enter the amount disputed on ${what}, e.g. 150.00` });
      }
    });
    open(reason, local, (reasonCode) => ({
      reasonCode,
      description: description.trim() || undefined,
      items: items.map((item) => ({
        invoiceNumber: item.invoice.number,
        ...(item.lineNo === undefined ? {} : { lineNo: item.lineNo }),
        disputedAmount: item.amount.trim(),
      })),
    }));
  }

  return (
    <Section title="Open one case over the invoices ticked" id="open-items">
      <form onSubmit={submit} noValidate className="form-grid" aria-label="Open one case over several invoices">
        <ErrorMessage error={error} />
        {picked.map((inv) => {
          const lines = byLines[inv.number];
          const index = indexOf(inv.number);
          return (
            <fieldset key={inv.number} className="case-item-invoice">
              <legend>{inv.number}</legend>
              <label>
                <input type="checkbox" checked={!lines} onChange={(e) => setLines(inv.number, e.target.checked ? undefined : {})} />
                {` Dispute the whole of ${inv.number}`}
              </label>
              {lines ? null : (
                <Field
                  label={`Disputed on ${inv.number}`}
                  hint={`Collectible ${showMoney(inv.collectible, inv.currency)} of the open balance ${showMoney(inv.openBalance, inv.currency)}.`}
                  error={fieldError(error, `items.${index}.disputedAmount`) ?? fieldError(error, `items.${index}.invoiceNumber`)}
                >
                  {(props) => (
                    <input
                      {...props}
                      name={`items.${index}.disputedAmount`}
                      inputMode="decimal"
                      value={amounts[inv.number] ?? ''}
                      onChange={(e) => {
                        onAmount(inv.number, e.target.value);
                        setError(undefined);
                      }}
                    />
                  )}
                </Field>
              )}
              <InvoiceLines
                number={inv.number}
                currency={inv.currency}
                ticked={lines ?? {}}
                indexOf={(lineNo) => indexOf(inv.number, lineNo)}
                error={error}
                onTick={(lineNo, amount) => {
                  const { [lineNo]: _dropped, ...rest } = lines ?? {};
                  setLines(inv.number, amount === null ? rest : { ...rest, [lineNo]: amount });
                }}
                onAmount={(lineNo, amount) => setLines(inv.number, { ...lines, [lineNo]: amount })}
              />
            </fieldset>
          );
        })}
        <ReasonField value={reason} error={error} onChange={(r) => { setReason(r); setError(undefined); }} />
        <Field label="Description (optional)" error={fieldError(error, 'description')}>
          {(props) => <textarea {...props} name="description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Opening…" disabled={!picked.length}>
            {`Open case over ${picked.length} invoice${picked.length === 1 ? '' : 's'}`}
          </SubmitButton>
        </div>
      </form>
    </Section>
  );
}

// Source records in bulk (customers, contracts, POs, work orders, invoices) from a JSON file or pasted text.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Field, Notice, Section, SubmitButton } from '../components/common';
import { api } from '../lib/api';
import { parsedJson, useCommand } from '../lib/commands';
import { useDocumentTitle } from '../lib/hooks';

const EXAMPLE = `{
  "customers": [{ "id": "CUST-1", "name": "Acme Facilities" }],
  "contracts": [{ "id": "CTR-1", "customerId": "CUST-1", "currency": "USD", "validFrom": "2026-01-01", "validTo": null,
                  "prices": [{ "sku": "SKU-A", "unitPrice": "90.00" }] }],
  "purchaseOrders": [{ "id": "PO-1", "customerId": "CUST-1", "contractId": "CTR-1", "orderedAt": "2026-02-01T00:00:00Z",
                       "lines": [{ "lineNo": 1, "sku": "SKU-A", "quantity": 10, "unitPrice": "100.00" }] }],
  "workOrders": [{ "id": "WO-1", "purchaseOrderId": "PO-1", "status": "COMPLETED", "completedAt": "2026-02-10T00:00:00Z",
                   "lines": [{ "sku": "SKU-A", "quantityCompleted": 10 }] }],
  "invoices": [{ "number": "INV-1", "customerId": "CUST-1", "purchaseOrderId": "PO-1", "issuedAt": "2026-02-15T00:00:00Z",
                 "dueAt": "2026-03-15T00:00:00Z", "currency": "USD",
                 "lines": [{ "lineNo": 1, "sku": "SKU-A", "quantity": 10, "unitPrice": "100.00" }] }]
}`;

export function ImportPage() {
  useDocumentTitle('Import records');
  const [text, setText] = useState('');
  const [result, setResult] = useState<Record<string, number> | null>(null);
  // No page on screen shows what an import changes: those that do ask again when opened.
  const { error, setError, busy, run } = useCommand([]);

  async function readFile(file: File | undefined) {
    if (file) setText(await file.text());
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    const parsed = parsedJson(text, setError);
    if (!parsed) return;
    run(
      () => api.importRecords(parsed.value),
      (answer) => setResult(answer.imported),
    );
  }

  return (
    <div className="page">
      <h1>Import records</h1>
      <Section title="Customers, contracts, purchase orders, work orders and invoices" id="import">
        <p className="muted">Records are matched by id (invoices by number): importing one again updates it.</p>
        <form onSubmit={submit} noValidate className="form-grid">
          <ErrorMessage error={error} />
          {result ? (
            <Notice kind="success">
              <p>
                Imported {Object.entries(result).map(([k, n]) => `${n} ${k}`).join(', ')}.
              </p>
            </Notice>
          ) : null}
          <Field label="JSON file">{(props) => <input {...props} type="file" accept="application/json,.json" onChange={(e) => void readFile(e.target.files?.[0])} />}</Field>
          <Field label="Records (JSON)" hint="The shape of POST /api/records/import.">
            {(props) => <textarea {...props} name="records" rows={14} className="code-input" value={text} placeholder={EXAMPLE} onChange={(e) => setText(e.target.value)} spellCheck={false} />}
          </Field>
          <div className="form-actions">
            <SubmitButton busy={busy} busyLabel="Importing…" disabled={!text.trim()}>
              Import
            </SubmitButton>
            <button type="button" className="button-secondary" onClick={() => setText(EXAMPLE)}>
              Use the example
            </button>
          </div>
        </form>
      </Section>
    </div>
  );
}

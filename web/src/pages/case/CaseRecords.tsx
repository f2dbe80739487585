// What the records say about a case: the evidence collected (or why it could not be, with the way to collect it
// again) and what the analysis found in it.
import { DefinitionList, ErrorMessage, Money, Section, SubmitButton, useMe } from '../../components/common';
import { FindingsTable } from '../../components/evidence/findings';
import { EvidenceMissing, PagedEvidence } from '../../components/evidence/paged';
import { api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { showMoney } from '../../lib/money';
import type { EvidencePages } from '../../lib/hooks';
import type { DisputeDetail } from '../../../../contract';

/** The case's evidence, a page of lines at a time; while it is collected, a spinner; when it failed, why. */
export function CaseEvidence({ dispute: d, pages, onDone }: { dispute: DisputeDetail; pages: EvidencePages; onDone(message: string): void }) {
  const me = useMe();
  const currency = d.currency ?? 'USD';
  const open = d.status === 'OPEN';
  return (
    <Section title="Evidence" id="evidence">
      {d.stage === 'EVIDENCE' && !d.evidenceError && !d.parkedError ? (
        <p role="status">
          <span className="spinner" aria-hidden="true" /> Collecting the invoice, PO, contract and work orders…
        </p>
      ) : null}
      {d.evidence ? (
        <PagedEvidence pages={pages} currency={currency} />
      ) : d.evidenceError || d.stage !== 'EVIDENCE' ? (
        <EvidenceMissing reason={d.evidenceError} />
      ) : null}
      {d.evidenceError && open && (me.role === 'specialist' || me.role === 'manager') ? <RetryEvidence caseId={d.id} onDone={onDone} /> : null}
    </Section>
  );
}

/** The findings of the lines shown so far, and the amounts they add up to. */
export function CaseFindings({ dispute: d, pages }: { dispute: DisputeDetail; pages: EvidencePages }) {
  const currency = d.currency ?? 'USD';
  return (
    <Section title="Findings" id="findings">
      {d.stage === 'EVIDENCE' ? (
        <p>The analysis runs once the evidence is in.</p>
      ) : (
        <>
          <FindingsTable findings={pages.findings} currency={currency} />
          {d.findingCount > pages.findings.length ? (
            <p className="muted">
              The findings of the lines of invoice {d.invoiceNumber} shown: {pages.findings.length} of the case’s {d.findingCount}. More lines in
              the evidence show more of them; each item’s findings, of every invoice, are under its “Why” in Items.
            </p>
          ) : null}
        </>
      )}
      <DefinitionList
        items={[
          ['Overbilled (found)', <Money key="o" amount={d.overbilled} currency={currency} />],
          ['Confirmed by the tasks', d.confirmedOverbilling === null ? <span key="c" className="muted">not yet</span> : <Money key="c" amount={d.confirmedOverbilling} currency={currency} />],
          ['Disputed', <Money key="d" amount={d.disputedAmount} currency={currency} />],
          ['Recommended credit', <Money key="r" amount={d.recommendedCredit} currency={currency} strong />],
        ]}
      />
      {d.stage !== 'EVIDENCE' && d.recommendedCredit !== null ? <p data-testid="recommendation-why">{whyRecommended(d)}</p> : null}
    </Section>
  );
}

/** Finding → confirmed amount → recommendation, in words. */
function whyRecommended(d: DisputeDetail): string {
  const m = (amount: string | null) => showMoney(amount, d.currency ?? 'USD');
  const open = d.tasks.filter((t) => t.status === 'OPEN').length;
  if (d.confirmedOverbilling !== null)
    return `Every task is done: the recommended credit is the lesser of the disputed ${m(d.disputedAmount)} and the ${m(d.confirmedOverbilling)} the tasks confirmed of the ${m(d.overbilled)} found.`;
  if (open)
    return `Until every task is done (${open} open) the findings count in full: the recommended credit is the lesser of the disputed ${m(d.disputedAmount)} and the ${m(d.overbilled)} found.`;
  return `The recommended credit is the lesser of the disputed ${m(d.disputedAmount)} and the ${m(d.overbilled)} found.`;
}

function RetryEvidence({ caseId, onDone }: { caseId: string; onDone(message: string): void }) {
  const { error, busy, run } = useCommand();
  const retry = () => run((key) => api.retryEvidence(caseId, key), () => onDone('Collecting the evidence again.'));
  return (
    <div className="form-actions">
      <ErrorMessage error={error} />
      <p className="muted">Once the source record is corrected (Import records), collect the evidence again.</p>
      <SubmitButton onClick={retry} busy={busy} busyLabel="Asking…">
        Collect the evidence again
      </SubmitButton>
    </div>
  );
}

// The case at a glance, beside its records: the amounts and dates, the customer's deductions it holds, the ledger's documents once issued, the proposal
// with the decisions taken on it, and the ledger's refusal when an approval could not be issued.
import { type ReactNode } from 'react';
import { EvidenceHash } from '../../components/case-parts';
import { DefinitionList, Money, Section, StatusBadge } from '../../components/common';
import { AdjustmentList, DocumentList } from '../../components/ledger';
import { REASON_LABELS, RESOLUTION_LABELS, ROOT_CAUSE_LABELS, ageOf, formatDateTime, label } from '../../lib/format';
import type { DisputeDetail } from '../../../../contract';

export function CaseSummary({ dispute: d }: { dispute: DisputeDetail }) {
  const currency = d.currency ?? 'USD';
  const open = d.status === 'OPEN';
  // Back in RESOLUTION after the ledger refused the approved documents: the refusal, not a proposal, is what stands.
  const last = [...d.events].reverse().find((e) => e.type === 'CREDIT_MEMO_REFUSED' || e.type === 'RESOLUTION_PROPOSED');
  const refusal = !d.resolution && last?.type === 'CREDIT_MEMO_REFUSED' ? String(last.data.reason ?? '') : null;
  return (
    <>
      <Section title="Summary" id="summary">
        <DefinitionList
          items={[
            ['Disputed amount', <Money key="d" amount={d.disputedAmount} currency={currency} strong />],
            ['Recommended credit', <Money key="r" amount={d.recommendedCredit} currency={currency} />],
            ['Recommended debit', <Money key="rd" amount={d.recommendedDebit} currency={currency} />],
            ['Invoice open balance', <Money key="b" amount={d.invoice.openBalance} currency={currency} />],
            ['Opened', `${formatDateTime(d.openedAt)}${d.openedBy ? ` by ${d.openedBy.name}` : ''}`],
            [d.closedAt ? 'Closed' : 'Age', d.closedAt ? formatDateTime(d.closedAt) : ageOf(d.openedAt)],
            ...(d.stageEnteredAt && open ? ([['In this stage', ageOf(d.stageEnteredAt)]] as [string, string][]) : []),
            ...(d.evidenceHash ? ([['Evidence hash', <EvidenceHash key="h" hash={d.evidenceHash} testId="evidence-hash" />]] as [string, ReactNode][]) : []),
          ]}
        />
        {d.description ? <p className="description">“{d.description}”</p> : null}
      </Section>

      {d.deductions.length ? (
        <Section title="Deductions" id="deductions">
          <ul className="plain" data-testid="case-deductions">
            {d.deductions.map((x) => (
              <li key={x.id} data-deduction={x.id} data-status={x.status}>
                <Money amount={x.amount} currency={currency} strong /> deducted on {x.invoiceNumber} by payment {x.paymentId}, code{' '}
                <code>{x.customerCode}</code> ({label(REASON_LABELS, x.reasonCode)}) · <StatusBadge status={x.status} />
                {x.status === 'PARTIAL' ? (
                  <>
                    {' '}
                    <Money amount={x.cleared} currency={currency} /> cleared
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      {d.adjustments.length ? (
        <Section title="Ledger documents" id="adjustments">
          <DocumentList documents={d.adjustments} currency={currency} testId="adjustments" />
        </Section>
      ) : null}

      {refusal !== null ? (
        <Section title="Refused by the ledger" id="ledger-refusal">
          <p data-testid="ledger-refusal" role="status">
            The approved adjustments could not be issued: {refusal}. The case is back with the specialist for a new proposal.
          </p>
        </Section>
      ) : null}

      {d.resolution ? (
        <Section title="Proposal" id="proposal">
          <div data-testid="proposal">
            <DefinitionList
              items={[
                ['Resolution', label(RESOLUTION_LABELS, d.resolution.type)],
                ...(d.resolution.amount ? ([['Amount', <Money key="a" amount={d.resolution.amount} currency={currency} strong />]] as [string, ReactNode][]) : []),
                ['Root cause', label(ROOT_CAUSE_LABELS, d.resolution.rootCause)],
                ...(d.resolution.adjustments.length
                  ? ([['Adjustments', <AdjustmentList key="l" adjustments={d.resolution.adjustments} currency={currency} />]] as [string, ReactNode][])
                  : []),
                ...(d.resolution.proposedBy
                  ? ([['Proposed', `${d.resolution.proposedBy.name}${d.resolution.proposedAt ? `, ${formatDateTime(d.resolution.proposedAt)}` : ''}`]] as [string, string][])
                  : []),
                ...(d.resolution.note ? ([['Note', d.resolution.note]] as [string, string][]) : []),
              ]}
            />
            {d.approvals.length ? (
              <ul className="plain approvals">
                {d.approvals.map((a, i) => (
                  <li key={a.id ?? i}>
                    <strong className={a.decision === 'APPROVE' ? 'ok' : 'overdue'}>{a.decision === 'APPROVE' ? 'Approved' : 'Rejected'}</strong>
                    {a.decidedBy ? ` by ${a.decidedBy.name}` : ''}
                    {a.onBehalfOf ? <span data-testid="approval-on-behalf-of">{` on behalf of ${a.onBehalfOf.name}`}</span> : null}
                    {a.decidedAt ? `, ${formatDateTime(a.decidedAt)}` : ''}
                    {a.amount ? <> (<Money amount={a.amount} currency={currency} />)</> : null}
                    {a.comment ? <div className="muted">“{a.comment}”</div> : null}
                    {a.policyVersion !== null && a.policyVersion !== undefined ? (
                      <div className="muted" data-testid="approval-policy-version">
                        Decided under policy version {a.policyVersion}
                      </div>
                    ) : null}
                    {a.evidenceHash ? (
                      <div className="muted">
                        Decided on evidence <EvidenceHash hash={a.evidenceHash} testId="approval-evidence-hash" />
                        {a.evidenceHash !== d.evidenceHash ? ' (refreshed since)' : ''}
                      </div>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </Section>
      ) : null}
    </>
  );
}


// One proposal waiting for a manager: what is proposed against what was disputed and recommended, who proposed it,
// the decision form, and (read only when opened) the findings, evidence and tasks behind it.
import { useState, type ReactNode } from 'react';
import { DecisionForm } from '../../components/actions/decide';
import { EvidenceHash } from '../../components/case-parts';
import { DefinitionList, ErrorMessage, Loading, Money, useMe } from '../../components/common';
import { FindingsTable } from '../../components/evidence/findings';
import { AdjustmentList } from '../../components/ledger';
import { PagedEvidence } from '../../components/evidence/paged';
import { api } from '../../lib/api';
import { OUTCOME_LABELS, REASON_LABELS, ROOT_CAUSE_LABELS, ageOf, formatDateTime, label } from '../../lib/format';
import { useEvidencePages } from '../../lib/hooks';
import { useCase } from '../../lib/queries';
import { href } from '../../lib/router';
import type { DisputeDetail, DisputeListItem } from '../../../../contract';

export function ApprovalCard({ item: c, onDone }: { item: DisputeListItem; onDone(message: string): void }) {
  const me = useMe();
  const [opened, setOpened] = useState(false);
  const proposal = c.proposal;
  return (
    <li className="card approval-card" data-testid="approval-card" data-case={c.caseNumber}>
      <div className="card-header">
        <h2>
          <a href={href(`/cases/${c.caseNumber}`)}>Case {c.caseNumber}</a>
        </h2>
        {c.offeredToMe ? (
          <span className="badge badge-warn" data-testid="offered-to-you">
            Offered to you
          </span>
        ) : null}
        <span className="muted">
          waiting {ageOf(c.stageEnteredAt)} · {label(REASON_LABELS, c.reasonCode)} · customer {c.customerId} · invoice {c.invoiceNumber}
        </span>
      </div>
      <div className="approval-body">
        <div>
          <DefinitionList
            items={[
              ['Proposed adjustments', <Money key="a" amount={proposal?.amount} currency={c.currency} strong />],
              ...(proposal?.adjustments.length
                ? ([['Of which', <AdjustmentList key="l" adjustments={proposal.adjustments} currency={c.currency} />]] as [string, ReactNode][])
                : []),
              ['Recommended', <Money key="r" amount={c.recommendedCredit} currency={c.currency} />],
              ['Disputed', <Money key="d" amount={c.disputedAmount} currency={c.currency} />],
              ['Root cause', label(ROOT_CAUSE_LABELS, proposal?.rootCause)],
              ['Proposed by', proposal ? `${proposal.proposedBy.name}, ${formatDateTime(proposal.proposedAt)}` : '—'],
              ...(c.yourAuthority
                ? ([
                    [
                      'Limit applied',
                      <span key="l" data-testid="limit-applied">
                        {c.yourAuthority.limit === null ? (c.yourAuthority.refusal ? `none in ${c.currency}` : 'no limit') : <Money amount={c.yourAuthority.limit} currency={c.currency} />}
                        {c.yourAuthority.onBehalfOf ? ` (${c.yourAuthority.onBehalfOf.name}'s, on whose behalf you would approve)` : ''}
                      </span>,
                    ],
                  ] as [string, ReactNode][])
                : []),
            ]}
          />
          {proposal?.note ? <p className="description">“{proposal.note}”</p> : null}
          <details onToggle={(e) => setOpened(opened || e.currentTarget.open)}>
            <summary>Findings and evidence</summary>
            {opened ? <ApprovalEvidence caseId={c.id} /> : null}
          </details>
        </div>
        <DecisionForm dispute={{ ...c, resolution: proposal }} me={me} onDone={onDone} />
      </div>
    </li>
  );
}

/** The case behind a proposal, read when asked for: its findings, its evidence (more lines on demand), its tasks. */
function ApprovalEvidence({ caseId }: { caseId: string }) {
  const dispute = useCase(caseId);
  if (dispute.error) return <ErrorMessage error={dispute.error} />;
  if (!dispute.data) return <Loading what="the findings and evidence" />;
  return <CaseBehind dispute={dispute.data} />;
}

function CaseBehind({ dispute: d }: { dispute: DisputeDetail }) {
  const pages = useEvidencePages(d.evidence, d.findings, (cursor) => api.caseEvidence(d.id, cursor));
  return (
    <>
      {d.evidenceHash ? (
        <p className="muted">
          Evidence <EvidenceHash hash={d.evidenceHash} testId="evidence-hash" />: your decision is taken on it, and refused if it
          was refreshed since.
        </p>
      ) : null}
      <FindingsTable findings={pages.findings} currency={d.currency} />
      <PagedEvidence pages={pages} currency={d.currency} />
      <p>
        Tasks:{' '}
        {d.tasks.length
          ? d.tasks.map((t) => `${t.title}: ${t.outcome ? label(OUTCOME_LABELS, t.outcome).toLowerCase() : t.status.toLowerCase()}${t.note ? ` (“${t.note}”)` : ''}`).join('; ')
          : 'none'}
      </p>
    </>
  );
}

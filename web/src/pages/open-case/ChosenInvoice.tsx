// The invoice chosen: its figures, its lines against its records, and the form to open a case on it.
import { useQuery } from '@tanstack/react-query';
import { DefinitionList, ErrorMessage, Loading, Money, Section } from '../../components/common';
import { PagedEvidence } from '../../components/evidence/paged';
import { ApiError, api } from '../../lib/api';
import { formatDate } from '../../lib/format';
import { useEvidencePages } from '../../lib/hooks';
import { showMoney } from '../../lib/money';
import { OpenCaseForm } from './OpenCaseForm';

export function ChosenInvoice({ number, backTo }: { number: string; backTo: string | null }) {
  const found = useQuery({
    queryKey: ['invoice', number],
    queryFn: async ({ signal }) => {
      const [invoice, evidence] = await Promise.all([api.invoice(number, signal), api.invoiceEvidence(number, undefined, signal)]);
      return { invoice, evidence };
    },
  });
  const pages = useEvidencePages(found.data?.evidence ?? null, [], async (cursor) => ({ evidence: await api.invoiceEvidence(number, cursor) }));
  const back = backTo ? (
    <p>
      <a href={backTo}>Back to the invoices found</a>
    </p>
  ) : null;
  if (found.error) {
    return (
      <>
        <ErrorMessage error={found.error} title={found.error instanceof ApiError && found.error.status === 404 ? `No invoice ${number}` : undefined} />
        {back}
      </>
    );
  }
  if (!found.data) return <Loading what={`invoice ${number}`} />;
  const { invoice } = found.data;
  return (
    <>
      {back}
      <Section title={`Invoice ${invoice.number}`} id="invoice">
        <DefinitionList
          items={[
            ['Customer', invoice.customerId],
            ['Purchase order', invoice.purchaseOrderId],
            ['Issued', formatDate(invoice.issuedAt)],
            ['Due', formatDate(invoice.dueAt)],
            ['Total', <Money key="t" amount={invoice.total} currency={invoice.currency} />],
            ['Open balance', <Money key="o" amount={invoice.openBalance} currency={invoice.currency} strong />],
            ['In dispute', <Money key="d" amount={invoice.inDispute} currency={invoice.currency} />],
            ['Collectible', <Money key="c" amount={invoice.collectible} currency={invoice.currency} />],
          ]}
        />
        {invoice.creditMemos.length ? (
          <p>
            Credit memos already issued:{' '}
            {invoice.creditMemos.map((m) => `${m.number} (${showMoney(m.amount, invoice.currency)})`).join(', ')}
          </p>
        ) : null}
        <PagedEvidence pages={pages} currency={invoice.currency} />
      </Section>
      <OpenCaseForm invoice={invoice} />
    </>
  );
}

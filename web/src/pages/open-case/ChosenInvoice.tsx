// The invoice chosen: its figures, its lines against its records, and the form to open a case on it.
import { useQuery } from '@tanstack/react-query';
import { DefinitionList, ErrorMessage, Loading, Money, Section } from '../../components/common';
import { PagedEvidence } from '../../components/evidence/paged';
import { DocumentList } from '../../components/ledger';
import { ApiError, api } from '../../lib/api';
import { formatDate } from '../../lib/format';
import { useEvidencePages } from '../../lib/hooks';
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
            ['Credited', <Money key="c" amount={invoice.credited} currency={invoice.currency} />],
            ['Debited', <Money key="db" amount={invoice.debited} currency={invoice.currency} />],
            ['Written off', <Money key="w" amount={invoice.writtenOff} currency={invoice.currency} />],
            ['Paid', <Money key="p" amount={invoice.paid} currency={invoice.currency} />],
            ['Open balance', <Money key="o" amount={invoice.openBalance} currency={invoice.currency} strong />],
            ['In dispute', <Money key="i" amount={invoice.inDispute} currency={invoice.currency} />],
            ['Collectible', <Money key="co" amount={invoice.collectible} currency={invoice.currency} />],
          ]}
        />
        {invoice.adjustments.length ? (
          <>
            <p>Documents already issued against it:</p>
            <DocumentList documents={invoice.adjustments} currency={invoice.currency} testId="invoice-adjustments" />
          </>
        ) : null}
        <PagedEvidence pages={pages} currency={invoice.currency} />
      </Section>
      <OpenCaseForm invoice={invoice} />
    </>
  );
}

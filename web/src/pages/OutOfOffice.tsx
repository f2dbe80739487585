// A manager going away hands the approvals waiting for him to another manager for the time he is away, and sees the
// delegations he gave and those he received, running or to come.
import { useQuery } from '@tanstack/react-query';
import { ErrorMessage, Loading, Section, useMe } from '../components/common';
import { DelegateForm, DelegationTable } from '../components/people';
import { api } from '../lib/api';
import { useDocumentTitle } from '../lib/hooks';

export function OutOfOfficePage() {
  useDocumentTitle('Out of office');
  const me = useMe();
  const mine = useQuery({ queryKey: ['my-delegations'], queryFn: ({ signal }) => api.myDelegations(signal) });
  let lists;
  if (mine.error) lists = <ErrorMessage error={mine.error} />;
  else if (mine.isPending) lists = <Loading what="your delegations" />;
  else
    lists = (
      <>
        <Section title="You delegated" id="given">
          <DelegationTable items={mine.data.given} caption="Your delegations to others, running or to come" testId="delegations-given" />
        </Section>
        <Section title="Delegated to you" id="received">
          <DelegationTable items={mine.data.received} caption="Others’ delegations to you, running or to come" testId="delegations-received" />
        </Section>
      </>
    );
  return (
    <div className="page">
      <h1>Out of office</h1>
      <Section title="Delegate your approvals" id="delegate">
        <p className="hint">While you are away, the manager you choose also decides what waits for you, within your limits.</p>
        <DelegateForm managerId={me.id} managerName={me.name} />
      </Section>
      {lists}
    </div>
  );
}

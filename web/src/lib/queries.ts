// The reads more than one page makes, under the keys commands.ts marks stale.
import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import type { Role } from '../../../contract';

/** Ask again while the case is open: the workflow moves it on in the background. */
const CASE_POLL_MS = 3_000;

/** One case by id or case number; polled while open when `poll` (a closed or cancelled case changes no more). */
export function useCase(id: string, { poll = false }: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: ['dispute', id],
    queryFn: ({ signal }) => api.dispute(id, signal),
    refetchInterval: (query) => (poll && (query.state.data?.status ?? (query.state.error ? null : 'OPEN')) === 'OPEN' ? CASE_POLL_MS : false),
  });
}

/** The notifications a case raised and their delivery; asked again while the case is open, as the case is. */
export function useCaseNotifications(id: string, { open }: { open: boolean }) {
  return useQuery({
    queryKey: ['notifications', id],
    queryFn: ({ signal }) => api.notifications(id, signal),
    refetchInterval: open ? CASE_POLL_MS : false,
  });
}

/** What the deployment tells the web (GET /api/config): it does not change while the page is open. */
export function useConfig() {
  return useQuery({ queryKey: ['config'], queryFn: ({ signal }) => api.config(signal), staleTime: Infinity });
}

/** The active people of a role (GET /api/people): whom a picker offers. */
export function usePeople(role: Role) {
  return useQuery({ queryKey: ['people', role], queryFn: ({ signal }) => api.people({ role }, signal) });
}

/** The configured teams (GET /api/teams): they change with the deployment, not while the page is open. */
export function useTeams() {
  return useQuery({ queryKey: ['teams'], queryFn: ({ signal }) => api.teams(signal), staleTime: Infinity });
}

/**
 * A case's tasks with every finding each asks about (the case itself carries only the findings of its evidence's
 * first page): what a task's answer is given on. Only the tasks this user may see (ops: its team's).
 */
export function useCaseTasks(disputeId: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: ['tasks', { disputeId }],
    queryFn: ({ signal }) => api.tasks({ disputeId, limit: 200 }, signal),
    enabled,
  });
}

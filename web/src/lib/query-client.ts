// The one cache of what the server said (TanStack Query): every read is a query under a key, so two parts of a page
// asking for the same case share one request, a page shown again shows what it had while it asks again, and a command
// marks what it changed as stale (see commands.ts). Cleared on signing in or out: the next user starts empty.
import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api';

/** A read that failed on the way (no connection, a 5xx) is asked again twice; a refusal (4xx) is final. */
function retry(failures: number, error: unknown): boolean {
  return failures < 2 && error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry,
      // The pages poll where things change on their own (the case, the inbox); a focus change is no news.
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
});

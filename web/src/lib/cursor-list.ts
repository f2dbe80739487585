// Every list the server pages by cursor (cases, tasks, invoices, notes) read one way: the pages shown so far under
// one query key, the next on demand, all of them asked again when polled or when a command made them stale.
import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Page } from '../../../contract';

export interface CursorList<T> {
  /** Every page shown so far, in order. */
  items: T[];
  /** The server has more after the last item shown. */
  hasMore: boolean;
  more(): void;
  /** Nothing to show yet: the first page is on its way. */
  pending: boolean;
  loadingMore: boolean;
  error: unknown;
}

/**
 * `fetchPage(cursor, signal)` reads one page (`cursor` undefined for the first). `pollMs`: ask again on a timer
 * while the tab is visible, once every page is shown (asking again for many pages would cost more than it shows).
 */
export function useCursorList<T>(
  key: QueryKey,
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  options: { pollMs?: number } = {},
): CursorList<T> {
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam, signal }) => fetchPage(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => (options.pollMs && !q.state.data?.pages.at(-1)?.nextCursor ? options.pollMs : false),
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return {
    items,
    hasMore: query.hasNextPage,
    more: () => void query.fetchNextPage(),
    pending: query.isPending,
    loadingMore: query.isFetchingNextPage,
    error: query.error,
  };
}

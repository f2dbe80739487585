// A command sent from a form: one idempotency key per intent (where the endpoint takes one), the refusal kept for the
// form to show, and on success what it changed marked stale, so the case and the lists on screen ask again at once
// (and go on polling as before).
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { ApiError, newIdempotencyKey } from './api';

/** What a case command may change: the case itself, the case lists and the task lists. */
export const CASE_KEYS: readonly QueryKey[] = [['dispute'], ['disputes'], ['tasks']];

export interface Command {
  /** The refusal to show: the form's own check or the server's answer. */
  error: unknown;
  /** A refusal found before sending (undefined clears it). */
  setError(error: unknown): void;
  /** The form's own check refuses, as the server would (400 VALIDATION_FAILED): each detail marks its field. */
  refuse(message: string, details: ApiError['details']): void;
  busy: boolean;
  run<R>(send: (idempotencyKey: string) => Promise<R>, onDone: (result: R) => void): void;
  /** What is typed now is another intent: the next send carries a new key. */
  newIntent(): void;
}

export function useCommand(stale: readonly QueryKey[] = CASE_KEYS): Command {
  const client = useQueryClient();
  // A double click or a retry after a lost answer resends the same key: the server does it once.
  const key = useRef(newIdempotencyKey());
  const [localError, setLocalError] = useState<unknown>();
  const mutation = useMutation({
    mutationFn: (send: (idempotencyKey: string) => Promise<unknown>) => send(key.current),
    onSuccess: () => {
      key.current = newIdempotencyKey();
      for (const queryKey of stale) void client.invalidateQueries({ queryKey });
    },
    onError: (err) => {
      // A refusal is final for this body: the next attempt (after an edit) is a new intent.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) key.current = newIdempotencyKey();
    },
  });
  const setError = (error: unknown) => {
    setLocalError(error);
    // Not while sending: the answer still has to reach onDone.
    if (!mutation.isPending) mutation.reset();
  };
  return {
    error: localError ?? mutation.error ?? undefined,
    setError,
    refuse(message, details) {
      setError(new ApiError(400, 'VALIDATION_FAILED', message, details));
    },
    busy: mutation.isPending,
    run(send, onDone) {
      setLocalError(undefined);
      mutation.mutate(send, { onSuccess: (result) => onDone(result as Parameters<typeof onDone>[0]) });
    },
    newIntent() {
      key.current = newIdempotencyKey();
    },
  };
}

/** The JSON a person pasted or chose; undefined, its refusal shown as the server's 400 would be, when it is not JSON. */
export function parsedJson(text: string, setError: Command['setError']): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    setError(new ApiError(400, 'INVALID_JSON', `The text is not JSON: ${(err as Error).message}`, [{ field: '(body)', message: 'paste or choose a JSON file' }]));
    return undefined;
  }
}

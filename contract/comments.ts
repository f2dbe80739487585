// Comments on a case.
import { z } from 'zod';
import { isoTimestamp, page, pageQuery, text, uuid } from './primitives';

export const commentRequest = z.strictObject({ body: text(10_000) });

export const commentOut = z.object({
  id: uuid,
  authorId: uuid,
  authorName: z.string(),
  body: z.string(),
  createdAt: isoTimestamp,
});

export const commentListQuery = z.strictObject({ ...pageQuery });

export const commentListResponse = page(commentOut);

export type CaseComment = z.infer<typeof commentOut>;

import { z } from 'zod';
import { Count } from '../common-schemas.js';
import { defineEventType } from '../event-type.js';

/** A person's label or note attached to any event of the same run (by seq). */
export const Annotation = defineEventType({
  type: 'annotation',
  payload: z.strictObject({
    target: Count,
    label: z.string().min(1).max(200),
    note: z.string().max(10000).nullable(),
    author: z.string().max(200).nullable(),
  }),
});

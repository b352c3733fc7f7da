// The labels of model-cpu's sentiment model: those of distilbert-base-uncased-finetuned-sst-2-english,
// which the GPU server serves, so either answers alike.
import { z } from 'zod';

export const LABELS = ['NEGATIVE', 'POSITIVE'] as const;
export const Label = z.enum(LABELS);
export type Label = z.infer<typeof Label>;

// The names config gives things (GPUs, servers, models, tenants): safe in keys, labels and URLs.
import { z } from 'zod';

export const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'letters, digits, "_", "." and "-", at most 63 characters');

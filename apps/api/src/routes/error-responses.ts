// The error responses a route declares: every one is an ErrorBody, so a route names only the statuses.
import { ErrorBody } from '@gpuq/shared';

export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, ErrorBody]));

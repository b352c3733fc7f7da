// What the routes share: the request store and the solver threads.
import type { RequestStore } from '../request-store.js';
import type { SolverPool } from '../solver-pool.js';

export interface SolverContext {
  store: RequestStore;
  pool: SolverPool;
}

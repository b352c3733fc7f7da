// The overlap check the scheduler-kill test relies on must itself be able to fail: it is run here
// on recordings made up by hand.
import { describe, expect, it } from 'vitest';
import type { Exchange } from './fakes/faulty-proxy.js';
import { overlaps, solveRequests, unfollowed } from './solve-log.js';

const submit = (reqId: string, marker: number, at: number): Exchange => ({
  method: 'POST',
  path: '/cuopt/request',
  requestBody: JSON.stringify({ objective_data: { coefficients: [1], offset: marker } }),
  startedAt: at,
  endedAt: at + 1,
  status: 200,
  responseBody: JSON.stringify({ reqId }),
});
const poll = (reqId: string, at: number, isDone: boolean): Exchange => ({
  method: 'GET',
  path: `/cuopt/solution/${reqId}`,
  requestBody: '',
  startedAt: at,
  endedAt: at + 1,
  status: 200,
  responseBody: JSON.stringify(isDone ? { reqId, response: { solver_response: {} } } : { reqId }),
});
const abort = (reqId: string, at: number): Exchange => ({ method: 'DELETE', path: `/cuopt/request/${reqId}`, requestBody: '', startedAt: at, endedAt: at + 1, status: 200, responseBody: '{}' });

describe('solve-log', () => {
  it('finds no overlap when a job’s second solve starts after its first was seen to end', () => {
    const requests = solveRequests([submit('a', 7, 0), poll('a', 5, false), poll('a', 10, true), submit('b', 7, 20), poll('b', 25, true)]);
    expect(requests.map((r) => [r.reqId, r.marker, r.endedAt])).toEqual([['a', 7, 11], ['b', 7, 26]]);
    expect(overlaps(requests)).toEqual([]);
  });

  it('flags a second solve of a job started while its first, followed by a scheduler, was still running', () => {
    const requests = solveRequests([submit('a', 7, 0), poll('a', 5, false), submit('b', 7, 8), poll('a', 10, true), poll('b', 12, true)]);
    expect(overlaps(requests).map((o) => [o.first.reqId, o.second.reqId])).toEqual([['a', 'b']]);
  });

  it('flags it too when the first was never seen to end, and counts an aborted one as ended', () => {
    expect(overlaps(solveRequests([submit('a', 1, 0), poll('a', 2, false), submit('b', 1, 9)]))).toHaveLength(1);
    expect(overlaps(solveRequests([submit('a', 1, 0), poll('a', 2, false), abort('a', 4), submit('b', 1, 9)]))).toEqual([]);
  });

  it('sets apart a request no scheduler ever followed: the known gap, not an overlap', () => {
    const requests = solveRequests([submit('a', 3, 0), submit('b', 3, 5), poll('b', 6, true)]);
    expect(overlaps(requests)).toEqual([]);
    expect(unfollowed(requests).map((r) => r.reqId)).toEqual(['a']);
  });
});

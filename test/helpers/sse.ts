// Reads a server-sent event stream into events (parsed by the client's reader), until it ends or
// the deadline passes.
import { readServerSentEvents, type ServerSentEvent } from '@gpuq/client';

export interface ServerEvent {
  event: string;
  data: unknown;
}

export async function readEvents(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerEvent[]> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  const events: ServerEvent[] = [];
  for await (const { event, data } of readServerSentEvents(response.body)) events.push({ event, data: JSON.parse(data) });
  return events;
}

/** The events of a stream as they came, ids included, until it ends or the deadline passes. */
export async function readRawEvents(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerSentEvent[]> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(response.body)) events.push(event);
  return events;
}

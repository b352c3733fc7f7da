// Reads a server-sent event stream (parsed by the client's reader) until it ends or the deadline
// passes: as it came, ids included, or with each event's data parsed as JSON.
import { readServerSentEvents, type ServerSentEvent } from '@gpuq/client';

export interface ServerEvent {
  event: string;
  data: unknown;
}

/** The events of a stream as they came, ids included. */
export async function readRawEvents(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerSentEvent[]> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(response.body)) events.push(event);
  return events;
}

/** The events of a stream, each with its data parsed as JSON. */
export async function readEvents(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerEvent[]> {
  return (await readRawEvents(url, headers, timeoutMs)).map(({ event, data }) => ({ event, data: JSON.parse(data) as unknown }));
}

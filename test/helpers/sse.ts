// Reads a server-sent event stream into events (parsed by the client's reader), until it ends or
// the deadline passes.
import { readServerSentEvents } from '@gpuq/client';

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

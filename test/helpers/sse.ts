// Reads a server-sent event stream into events, until it ends or the deadline passes.
export interface ServerEvent {
  event: string;
  data: unknown;
}

export async function readEvents(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerEvent[]> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  const events: ServerEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n').filter((l) => !l.startsWith(':'));
      if (lines.length === 0) continue;
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      events.push({ event, data: JSON.parse(data) });
    }
  }
  return events;
}

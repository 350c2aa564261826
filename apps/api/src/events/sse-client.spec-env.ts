import { get, type IncomingMessage } from 'node:http';
import { waitFor } from '@ams/testing';

export interface ReceivedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** A GET /v1/events client for specs: the answer's status and headers, then every event and comment as they arrive. */
export interface SseStream {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  events: ReceivedEvent[];
  comments: string[];
  ended: boolean;
  next(pred: (e: ReceivedEvent) => boolean, description: string, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): void;
}

export function openStream(url: string, key: string | null): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: key ? { authorization: `Bearer ${key}` } : {} }, (res) => {
      let buffer = '';
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events: [],
        comments: [],
        ended: false,
        next: (pred, description, timeoutMs = 10_000) =>
          waitFor(() => stream.events.find(pred) ?? false, { timeoutMs, intervalMs: 20, description }),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        stream.body += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0)
            stream.events.push({ event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
        }
      });
      res.on('end', () => (stream.ended = true));
      res.on('close', () => (stream.ended = true));
      resolve(stream);
    });
    req.on('error', reject);
  });
}

/**
 * `monitor --publish` and `run --publish`: the agent's record lines, found in what a board or
 * the embedded engine prints, published to MQTT (QoS 1, topic mpheap/<device>/heap) for
 * `mpheap collect`. Lines are assembled across chunks, so how output was cut does not matter;
 * a damaged record is not published (the reason goes to onReject).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { looksLikeRecord, parseRecord, recordTopic } from './record.js';

export interface PublisherOptions {
  url: string;
  clientId?: string;
  onReject?: (reason: string, line: string) => void;
  /** Records not yet acknowledged by the broker before more are dropped. Default 10,000. */
  maxPending?: number;
  /** Called once when the first record is dropped because the broker stayed away. */
  onDrop?: (pending: number) => void;
}

export class RecordPublisher {
  private client: MqttClient | null = null;
  private partial = '';
  /** Publishes the broker has not acknowledged yet (a board cannot be told to wait). */
  private readonly pending = new Set<Promise<unknown>>();
  published = 0;
  rejected = 0;
  /** Records dropped because maxPending were already waiting for the broker. */
  dropped = 0;

  constructor(private readonly opts: PublisherOptions) {}

  async start(): Promise<void> {
    this.client = await mqtt.connectAsync(this.opts.url, {
      clientId: this.opts.clientId ?? `mpheap-publish-${process.pid}`,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 500,
      connectTimeout: 5000,
    });
  }

  /** Output as it arrives, in any chunks. */
  feed(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    // A line that never ends is not a record: keep the tail bounded.
    if (this.partial.length > 1024) this.partial = '';
    for (const raw of lines) this.line(raw.replace(/\r$/, ''));
  }

  private line(line: string): void {
    if (!looksLikeRecord(line)) return;
    const parsed = parseRecord(line);
    if (!parsed.ok) {
      this.rejected++;
      this.opts.onReject?.(parsed.reason, line);
      return;
    }
    const client = this.client;
    if (!client) return;
    // A broker away for long: the board keeps printing, so memory is bounded by dropping (counted).
    if (this.pending.size >= (this.opts.maxPending ?? 10_000)) {
      if (this.dropped++ === 0) this.opts.onDrop?.(this.pending.size);
      return;
    }
    const p: Promise<unknown> = client
      .publishAsync(recordTopic(parsed.record.device), line, { qos: 1 })
      .then(
        () => {
          this.published++;
        },
        // Only when the client was ended with the record unsent: count it, never throw later.
        () => {
          this.dropped++;
        },
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits until the broker acknowledged every record, then disconnects. */
  async close(): Promise<void> {
    if (this.partial) this.line(this.partial.replace(/\r$/, ''));
    this.partial = '';
    await Promise.allSettled([...this.pending]);
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync();
  }
}

/**
 * The collector: records from MQTT into a FleetStore.
 *
 * Nothing is lost or stored twice across a restart of the collector or the broker:
 *  - a persistent session (fixed client id, clean=false) makes the broker keep QoS 1 records
 *    for the collector while it is away;
 *  - each record is acknowledged (PUBACK) only after its row is committed, so a record the
 *    collector had not stored when it stopped is delivered again;
 *  - rows are keyed by (device, boot, seq) and inserted with ON CONFLICT DO NOTHING, so a
 *    record delivered again is stored once.
 * Memory stays bounded under back-pressure: mqtt.js hands over one message at a time and reads
 * the next only when the previous one's callback ran, so a slow database slows the socket
 * (TCP flow control) and the broker keeps the backlog, not this process.
 * Several collectors share one fleet with an MQTT shared subscription ($share/GROUP/…): the
 * broker gives each record to one of them.
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { parseRecord, RECORD_TOPIC_FILTER } from './record.js';
import type { FleetStore } from './store.js';

export interface CollectorOptions {
  /** mqtt://HOST[:PORT] */
  url: string;
  store: FleetStore;
  /** Stable across restarts: the broker keeps this client's session under it. */
  clientId: string;
  /** Share the fleet with other collectors of this group. */
  group?: string;
  onRecord?: (device: string, isNew: boolean) => void;
  onReject?: (reason: string, payload: string) => void;
  /** connected / offline / error (of the broker connection, which reconnects by itself). */
  onStatus?: (status: 'connected' | 'offline' | 'error', message: string) => void;
  /**
   * The store failed (a write, or the database going away): the collector has stopped taking
   * records, and the one it was storing is not acknowledged, so the broker keeps it.
   */
  onFailure?: (e: Error) => void;
}

export interface CollectorStats {
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

/** What mqtt://HOST[:PORT] means; anything else is refused with the reason. */
export function parseMqttUrl(url: string): { host: string; port: number } {
  const m = /^mqtt:\/\/([^:/?#\s]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (!m) throw new Error(`'${url}' is not mqtt://HOST[:PORT]`);
  const port = m[2] === undefined ? 1883 : Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`'${url}': port ${port} is not 1 to 65535`);
  return { host: m[1], port };
}

export function subscriptionTopic(group?: string): string {
  return group ? `$share/${group}/${RECORD_TOPIC_FILTER}` : RECORD_TOPIC_FILTER;
}

export class Collector {
  readonly stats: CollectorStats = { received: 0, stored: 0, duplicates: 0, rejected: 0 };
  /** Why the collector stopped taking records, once the store failed. */
  failure: Error | null = null;
  private client: MqttClient | null = null;

  constructor(private readonly opts: CollectorOptions) {
    parseMqttUrl(opts.url);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.clientId))
      throw new Error(`client id '${opts.clientId}' is not 1 to 64 of A-Z a-z 0-9 _ . -`);
    if (opts.group !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(opts.group))
      throw new Error(`group '${opts.group}' is not 1 to 64 of A-Z a-z 0-9 _ . -`);
  }

  /** Connects and subscribes; resolves once the broker has accepted the subscription. */
  async start(): Promise<void> {
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 500,
      connectTimeout: 5000,
    });
    client.handleMessage = (packet, done) => {
      if (this.failure) return;
      this.handle(packet).then(
        () => done(),
        // Not acknowledged: the broker delivers it again to the next collector of this session.
        (e: Error) => this.fail(new Error(`could not store a record: ${e.message}`)),
      );
    };
    // A database that goes away between records is noticed now, not at the next record.
    this.opts.store.onFailure?.((e) => this.fail(new Error(`the database failed: ${e.message}`)));
    client.on('connect', () => this.opts.onStatus?.('connected', this.opts.url));
    client.on('offline', () => this.opts.onStatus?.('offline', this.opts.url));
    client.on('error', (e) => this.opts.onStatus?.('error', e.message));
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => {
        client.off('connect', ok);
        client.end(true);
        reject(e);
      };
      const ok = () => {
        client.off('error', fail);
        client.subscribe(subscriptionTopic(this.opts.group), { qos: 1 }, (err, granted) => {
          if (err) return reject(err);
          if (granted?.[0]?.qos === 128) return reject(new Error('the broker refused the subscription'));
          resolve();
        });
      };
      client.once('connect', ok);
      client.once('error', fail);
    });
  }

  private async handle(packet: IPublishPacket): Promise<void> {
    const payload = Buffer.isBuffer(packet.payload)
      ? packet.payload.toString('latin1')
      : String(packet.payload);
    const now = Date.now();
    this.stats.received++;
    const parsed = parseRecord(payload);
    const fromTopic = /^mpheap\/([^/]+)\/heap$/.exec(packet.topic)?.[1];
    let reason = parsed.ok ? null : parsed.reason;
    if (parsed.ok && fromTopic !== parsed.record.device)
      reason = `topic ${packet.topic} is not the record's device '${parsed.record.device}'`;
    if (reason !== null || !parsed.ok) {
      this.stats.rejected++;
      await this.opts.store.reject({ receivedAt: now, topic: packet.topic, payload, reason: reason ?? '' });
      this.opts.onReject?.(reason ?? '', payload);
      return;
    }
    const added = await this.opts.store.insert([parsed.record], now);
    if (added > 0) this.stats.stored++;
    else this.stats.duplicates++;
    this.opts.onRecord?.(parsed.record.device, added > 0);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    // Forced: no DISCONNECT handshake, and no record handled after this one is acknowledged.
    this.client?.end(true);
    this.opts.onFailure?.(e);
  }

  /** Disconnects cleanly: records not yet acknowledged stay with the broker. */
  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    // After a failure the connection was already ended, without a goodbye.
    if (c && !this.failure) await c.endAsync();
  }
}

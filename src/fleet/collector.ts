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
 * broker gives each record to one of them. A broker that forgets shared subscriptions when it
 * restarts (mosquitto 2.0) drops what devices publish before the collectors subscribe again:
 * zero loss across a broker restart holds for a plain subscription, the default. Within one collector, lanes do the same: N sessions
 * in one shared subscription, so N records are stored at once (mqtt.js hands a session's
 * records over one at a time, and the acknowledgement must wait for the commit).
 */
import mqtt, { type IPublishPacket, type ISubscriptionMap, type MqttClient } from 'mqtt';
import { checkName, parseRecord, RECORD_TOPIC_FILTER } from './record.js';
import type { FleetStore } from './store.js';

export interface CollectorOptions {
  /** mqtt://HOST[:PORT] */
  url: string;
  store: FleetStore;
  /** Stable across restarts: the broker keeps this client's session under it. */
  clientId: string;
  /** Share the fleet with other collectors of this group. */
  group?: string;
  /**
   * MQTT sessions this collector holds (default 1), `CLIENTID.0` … `CLIENTID.N-1` in one shared
   * subscription: each takes records one at a time, so N of them keep up to N rows in commit at
   * once, which a database that flushes each commit to disk (PostgreSQL) groups together.
   */
  lanes?: number;
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

/** The sessions of a collector: its client id alone, or one per lane sharing a subscription. */
export function laneSessions(
  clientId: string,
  lanes: number,
  group?: string,
): { clientId: string; topic: string }[] {
  if (lanes === 1) return [{ clientId, topic: subscriptionTopic(group) }];
  return Array.from({ length: lanes }, (_, i) => ({
    clientId: `${clientId}.${i}`,
    topic: subscriptionTopic(group ?? clientId),
  }));
}

export class Collector {
  readonly stats: CollectorStats = { received: 0, stored: 0, duplicates: 0, rejected: 0 };
  /** Why the collector stopped taking records, once the store failed. */
  failure: Error | null = null;
  private clients: MqttClient[] = [];

  constructor(private readonly opts: CollectorOptions) {
    parseMqttUrl(opts.url);
    const badName =
      checkName(opts.clientId, 'client id') ??
      (opts.group === undefined ? null : checkName(opts.group, 'group'));
    if (badName !== null) throw new Error(badName);
    const lanes = opts.lanes ?? 1;
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64)
      throw new Error(`lanes: ${lanes} is not 1 to 64`);
  }

  /** Connects every session and subscribes; resolves once the broker has accepted them all. */
  async start(): Promise<void> {
    // A database that goes away between records is noticed now, not at the next record.
    this.opts.store.onFailure?.((e) => this.fail(new Error(`the database failed: ${e.message}`)));
    try {
      for (const s of laneSessions(this.opts.clientId, this.opts.lanes ?? 1, this.opts.group))
        await this.startSession(s.clientId, s.topic);
    } catch (e) {
      for (const c of this.clients) c.end(true);
      this.clients = [];
      throw e;
    }
  }

  private async startSession(clientId: string, topic: string): Promise<void> {
    const client = mqtt.connect(this.opts.url, {
      clientId,
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
    let connects = 0;
    client.on('connect', () => {
      this.opts.onStatus?.('connected', this.opts.url);
      // Again at every reconnect, although the session says it has it: mosquitto 2.0 (Debian's
      // 2.0.11) restores a persistent session after a restart but not its shared subscriptions,
      // and mqtt.js subscribes again only when the session is gone (and skips a topic it thinks
      // it has, unless told `resubscribe`).
      if (connects++ > 0 && topic.startsWith('$share/'))
        client.subscribe({ [topic]: { qos: 1 }, resubscribe: true } as ISubscriptionMap, (err) => {
          if (err) this.opts.onStatus?.('error', `could not subscribe again: ${err.message}`);
        });
    });
    client.on('offline', () => this.opts.onStatus?.('offline', this.opts.url));
    client.on('error', (e) => this.opts.onStatus?.('error', e.message));
    this.clients.push(client);
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => {
        client.off('connect', ok);
        client.end(true);
        reject(e);
      };
      const ok = () => {
        client.off('error', fail);
        client.subscribe(topic, { qos: 1 }, (err, granted) => {
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
    for (const c of this.clients) c.end(true);
    this.opts.onFailure?.(e);
  }

  /**
   * Retires this collector's sessions for good, losing nothing: after start(), unsubscribes,
   * stores what the broker had queued for them until no record came for quietMs, disconnects,
   * and connects once more with a clean session, which makes the broker forget them. Without
   * this, a session that never comes back keeps its share of a shared subscription, and a
   * plain subscription every record, queued on the broker for ever.
   */
  async leave(quietMs = 3000): Promise<void> {
    const sessions = laneSessions(this.opts.clientId, this.opts.lanes ?? 1, this.opts.group);
    await Promise.all(this.clients.map((c, i) => c.unsubscribeAsync(sessions[i].topic)));
    let seen = -1;
    while (seen !== this.stats.received && !this.failure) {
      seen = this.stats.received;
      await new Promise((r) => setTimeout(r, quietMs));
    }
    if (this.failure) return;
    await this.stop();
    for (const s of sessions) {
      const c = await mqtt.connectAsync(this.opts.url, {
        clientId: s.clientId,
        clean: true,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      await c.endAsync();
    }
  }

  /** Disconnects cleanly: records not yet acknowledged stay with the broker. */
  async stop(): Promise<void> {
    const clients = this.clients;
    this.clients = [];
    // After a failure the connections were already ended, without a goodbye.
    if (!this.failure) await Promise.all(clients.map((c) => c.endAsync()));
  }
}

/** Types of services.js (plain JavaScript, shared with bench/). */
export interface Broker {
  port: number;
  /** mqtt://127.0.0.1:PORT */
  url: string;
  /** The running mosquitto's process id, or null while it is stopped. */
  pid(): number | null;
  /** Stops it (SIGTERM: mosquitto writes its persistence file) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it for good and deletes its folder. */
  stop(): Promise<void>;
}

export interface Postgres {
  /** postgres://mpheap@127.0.0.1:PORT/mpheap */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: clients are disconnected at once). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export function startBroker(): Promise<Broker>;
/** fsync: on for figures that mean something (the bench); off by default (tests). */
export function startPostgres(opts?: { fsync?: boolean }): Promise<Postgres>;

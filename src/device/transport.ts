/**
 * The one thing the protocol needs from a link to a board: bytes out, bytes in, and knowing when
 * the link went away. Node implements it over serial ports and TCP (./node/); the browser
 * dashboard can implement it over WebSerial. Nothing in this folder outside ./node/ may use
 * Node-only APIs.
 */
export interface Transport {
  /** What the user would call this link: `/dev/ttyACM0`, `socket://127.0.0.1:2217`. */
  readonly name: string;
  /** Opens the link; rejects with a readable message when the port cannot be opened. */
  open(): Promise<void>;
  /** Resolves once the bytes are handed to the operating system (not when the board read them). */
  write(data: Uint8Array): Promise<void>;
  /** Every chunk of bytes as it arrives (one listener; set before open()). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the link ends on its own (unplugged board, closed socket), not after close(). */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

/** Opens a transport by the name the user typed; each platform provides one. */
export type TransportFactory = (port: string) => Transport;

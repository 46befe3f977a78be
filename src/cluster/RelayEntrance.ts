// Where relay links come in, in front of the edge relay service: the TLS port (cdn.relay_port,
// RelayListener) by default, or the plain upgrade on ws.port's /cdn/relay when cdn.relay_tls=false.
// Both pass the same pending-relay gate (pendingRelays.ts). With TLS on, a plain relay upgrade is
// refused with 426 and the port to use, so an origin that still dials ws:// (an older version, or
// cdn.relay_tls=false on one side only) logs why instead of timing out.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NodeConfig } from '../config/types';
import { normalizeAddress } from '../limits/AddressCounter';
import type { Logger } from '../log';
import { refuseUpgrade } from '../rpc/upgrade';
import type { EdgeRelayService } from './EdgeRelayService';
import type { NodeCertificate } from './nodeCertificate';
import { PendingRelays } from './pendingRelays';
import { RelayListener } from './RelayListener';
import { relayServerTls } from './relayTls';

/** Answers a refused upgrade, then destroys the socket: a client that does not read the answer keeps nothing. */
function refuseAndDestroy(socket: Duplex, status: number, reason: string): void {
  refuseUpgrade(socket, status, reason);
  socket.destroy();
}

export class RelayEntrance {
  readonly gate: PendingRelays;
  readonly #config: NodeConfig;
  readonly #relays: EdgeRelayService;
  #listener: RelayListener | null = null;

  /** Opens cdn.relay_port when relay links use TLS and this node has a secret (without one it refuses every relay). */
  static async create(config: NodeConfig, relays: EdgeRelayService, certificate: NodeCertificate, ca: Buffer | null, logger: Logger): Promise<RelayEntrance> {
    const entrance = new RelayEntrance(config, relays, logger);
    if (config.cdnRelayTls && config.cdnSecret !== '') {
      entrance.#listener = await RelayListener.create({
        host: config.ipLocal,
        port: config.cdnRelayPort,
        tls: relayServerTls(certificate, ca),
        verifyPeers: ca !== null,
        gate: entrance.gate,
        handshakeTimeoutMs: config.cdnHandshakeTimeoutMs,
        logger,
        onUpgrade: (req, socket, head, entry) => relays.handleUpgrade(req, socket, head, entry),
      });
      logger.info(
        { port: entrance.#listener.port, certificate: certificate.generated ? 'self-signed, made at start' : 'tls.cert_file' },
        'relay links accepted over TLS',
      );
    }
    return entrance;
  }

  private constructor(config: NodeConfig, relays: EdgeRelayService, logger: Logger) {
    this.#config = config;
    this.#relays = relays;
    this.gate = new PendingRelays({
      perAddress: config.cdnRelayPendingPerIp,
      total: config.cdnRelayPendingMax,
      deadlineMs: config.cdnHandshakeTimeoutMs,
      onDeadline: (address) => logger.debug({ remote: address }, 'relay socket destroyed: not authenticated within cdn.handshake_timeout_ms'),
    });
  }

  /** The bound TLS relay port, null when relay links are plain (or the node has no secret). */
  get port(): number | null {
    return this.#listener?.port ?? null;
  }

  /** An upgrade to /cdn/relay on ws.port (the plain way in). */
  plainUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#config.cdnRelayTls) {
      return refuseAndDestroy(
        socket,
        426,
        `relay links to this node use TLS on port ${this.port ?? this.#config.cdnRelayPort} (cdn.relay_port; <relay> in the origin's loadbalancing.xml); plain ws:// needs cdn.relay_tls=false on both nodes`,
      );
    }
    const admitted = this.gate.admit(socket, normalizeAddress(req.socket.remoteAddress ?? ''));
    if (admitted === 'address') return refuseAndDestroy(socket, 429, 'too many unauthenticated relay sockets from this address');
    if (admitted === 'total') return refuseAndDestroy(socket, 503, 'too many unauthenticated relay sockets');
    this.#relays.handleUpgrade(req, socket, head, { binding: null, pending: admitted });
  }

  async close(): Promise<void> {
    await this.#listener?.close();
  }
}

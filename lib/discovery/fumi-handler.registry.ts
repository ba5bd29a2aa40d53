import { Injectable } from '@nestjs/common';
import { composeChain, type FumiChain } from './fumi-chain.js';
import { MESSAGES } from '../fumi.messages.js';
import { FumiBootstrapError } from '../errors/fumi-bootstrap.error.js';
import type { FumiHandler } from './fumi-handler.interface.js';
import type { SmtpPhase } from '../context/smtp-phase.js';

/** Every phase's chain of one server; a phase without handlers has none. */
export type FumiChains = Partial<Record<SmtpPhase, FumiChain>>;

/** Holds the discovered handlers and the servers they may be bound to. */
@Injectable()
export class FumiHandlerRegistry {
  private readonly handlers: FumiHandler[] = [];
  private readonly servers = new Set<string>();

  add(handler: FumiHandler): void {
    this.handlers.push(handler);
  }

  /** Claims a server name; a second claim means the same server was imported twice. */
  registerServer(name: string): void {
    if (this.servers.has(name)) throw new FumiBootstrapError(MESSAGES.duplicateServer(name));
    this.servers.add(name);
  }

  unregisterServer(name: string): void {
    this.servers.delete(name);
  }

  /** Names of the servers the app declares, in import order. */
  get serverNames(): string[] {
    return [...this.servers];
  }

  /** Handlers of one server and phase, in chain order. */
  handlersFor(server: string, phase: SmtpPhase): FumiHandler[] {
    // Array.prototype.sort is stable, so equal priorities keep discovery order.
    return this.handlers
      .filter((h) => h.server === server && h.phase === phase)
      .sort((a, b) => b.priority - a.priority);
  }

  /** Composes each phase's chain once, so a command costs no lookup. */
  chainsFor(server: string): FumiChains {
    this.assertBound();
    const chains: FumiChains = {};
    for (const phase of new Set(this.handlers.filter((h) => h.server === server).map((h) => h.phase))) {
      chains[phase] = composeChain(this.handlersFor(server, phase));
    }
    return chains;
  }

  /** A handler for a server nobody declared would silently never run: refuse to start instead. */
  private assertBound(): void {
    const orphan = this.handlers.find((h) => !this.servers.has(h.server));
    if (orphan) {
      throw new FumiBootstrapError(MESSAGES.unknownServer(`@${orphan.phase} handler ${orphan.name}`, orphan.server, [
        ...this.servers,
      ]));
    }
  }
}

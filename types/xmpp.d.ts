// Minimal declarations for the parts of xmpp.js 0.14 this project uses. Written by hand:
// the DefinitelyTyped package lags the library and we want only what we call.
declare module '@xmpp/xml' {
  import { EventEmitter } from 'node:events';
  export class Element {
    name: string;
    attrs: Record<string, string | undefined>;
    children: (Element | string)[];
    constructor(name: string, attrs?: Record<string, string | undefined>);
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    append(...children: (Element | string)[]): Element;
    toString(): string;
  }
  export function xml(
    name: string,
    attrs?: Record<string, string | undefined> | null,
    ...children: (Element | string)[]
  ): Element;
  export default xml;

  /** The streaming parser: emits `start` (the root), `element` (each closed child of the root), `end`, `error`. */
  export class Parser extends EventEmitter {
    write(data: string): void;
    end(data?: string): void;
  }
}

declare module '@xmpp/xml/lib/parse.js' {
  import type { Element } from '@xmpp/xml';
  export default function parse(data: string): Element;
}

declare module '@xmpp/client' {
  import type { EventEmitter } from 'node:events';
  import type { Element } from '@xmpp/xml';

  export interface StreamManagement extends EventEmitter {
    enabled: boolean;
    id: string;
    timeout: number;
    requestAckInterval: number;
    requestAckDebounce: number;
    outbound_q: { stanza: Element; stamp: string }[];
  }

  export interface Reconnect extends EventEmitter {
    delay: number;
    /** Connects and opens the stream once (what the built-in scheduler calls after `delay`). */
    reconnect(): Promise<void>;
    start(): void;
    stop(): void;
  }

  export interface Client extends EventEmitter {
    status: string;
    jid: { toString(): string; bare(): { toString(): string } } | null;
    timeout: number;
    streamManagement: StreamManagement;
    reconnect: Reconnect;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    disconnect(timeout?: number): Promise<void>;
    send(...stanzas: Element[]): Promise<void>;
    sendMany(stanzas: Element[]): Promise<void>;
  }

  export interface ClientOptions {
    service: string;
    domain?: string;
    resource?: string;
    username?: string;
    password?: string;
    credentials?: (
      authenticate: (credentials: object, mechanism: string) => Promise<void>,
      mechanisms: string[],
    ) => Promise<void>;
  }

  export function client(options: ClientOptions): Client;
  export { xml } from '@xmpp/xml';
}

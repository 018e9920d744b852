// Types for the `shirube` package. The spec's types are generated from the Rust wire types
// (./spec.d.ts); these describe the JS API.
import type { Spec } from './spec';
export type { Spec } from './spec';
export * from './spec';

export interface Diagnostic {
  severity: 'error' | 'warning' | 'info';
  /** Stable code, documented in docs/spec.md ("Diagnostics"). */
  code: string;
  /** JSON pointer of the value concerned ("" is the whole document). */
  path: string;
  /** 1-based line and column (columns count characters). */
  line: number;
  column: number;
  message: string;
  hint?: string;
}

export interface ValidationResult {
  /** True when there are no errors (warnings allowed). */
  ok: boolean;
  diagnostics: Diagnostic[];
}

export type EventName =
  | 'flow_started' | 'step_viewed' | 'step_completed' | 'flow_completed' | 'flow_dismissed'
  | 'target_missing' | 'hint_opened' | 'checklist_item_completed' | 'milestone_reached'
  | 'stage_changed' | 'survey_answered' | 'event_tracked';

/** An event as sent to the collector (docs/events.md). */
export interface ShirubeEvent {
  event_id: string;
  name: EventName;
  timestamp: number;
  user_id: string | null;
  anonymous_id: string;
  session_id: string;
  seq: number;
  spec_revision: string;
  flow_id?: string;
  step_id?: string;
  /** For `event_tracked`: the name given to track(). */
  event?: string;
  properties: Record<string, unknown>;
  context: { traits: Record<string, unknown>; locale: string; path: string; stage: string | null };
}

export interface ShirubeError {
  name: 'error';
  /** `invalid_spec`, `spec_unavailable`, `spec_fallback`, `wasm_unavailable`, `no_browser`,
   *  `storage_unavailable`, `sync_off`, `start_failed`, `internal`. */
  code: string;
  message: string;
  diagnostics?: Diagnostic[];
}

export interface InitOptions {
  /** The spec: an object, JSON text, or a URL (fetched with revalidation, last good copy kept). */
  spec: Spec | string;
  user?: {
    id?: string | number | null;
    traits?: Record<string, unknown>;
    /** hex(HMAC-SHA256(identity secret, id)) from your backend: turns on progress across devices. */
    hash?: string;
  };
  collector?: {
    url: string;
    writeKey: string;
    /** Keys removed from event properties and traits before anything leaves the page. */
    denylist?: string[];
  };
  /** The UI language; default: the browser's languages, then the spec's default. */
  locale?: string;
  /** Explain targeting in an overlay and the console (also `?shirube_debug=1`). */
  debug?: boolean;
  /** `pending`: keep events in memory only; `denied`: keep and send nothing. Default `granted`. */
  consent?: 'pending' | 'granted' | 'denied';
  /** Change an event before it is delivered, or return null/false to drop it. */
  beforeSend?: (event: ShirubeEvent) => ShirubeEvent | null | undefined | false;
  /** Called for every problem (also delivered as `error` events). */
  onError?: (error: ShirubeError) => void;
  /** Route `navigate` actions through your router; default: history.pushState + popstate. */
  navigate?: (url: string) => void;
}

export interface ChecklistState {
  done: number;
  total: number;
  items: Record<string, boolean>;
}

export interface State {
  activeFlow: string | null;
  activeStep: string | null;
  showing: string[];
  milestones: string[];
  stage: string | null;
  checklists: Record<string, ChecklistState>;
  locale: string;
  /** The running spec's `product` and `revision` (`""` when it has none). */
  spec: { product: string; revision: string };
}

export interface Explanation {
  flow: string;
  kind: string;
  showing: boolean;
  /** Why it is or is not showing, in words a CS person can act on. */
  why: string;
  /**
   * The selector lists of this flow that matter on the current page (`what`: "step `id`",
   * "target" or "trigger"); the debug overlay names those that match nothing.
   */
  targets: { what: string; selectors: string[] }[];
}

export interface DeliveryState {
  queued: number;
  inflight: number;
  stopped: boolean;
  dropped: { queue_overflow: number; too_large: number; rate_limited: number; expired: number; rejected: number };
  /** Events your `beforeSend` dropped on this page (on purpose, so not in `dropped`). */
  filtered: number;
}

export declare class Shirube {
  /** Starts Shirube. Never rejects: on a problem it resolves to an inert instance and reports an `error`. */
  static init(options: InitOptions): Promise<Shirube>;
  /** Checks a spec. Synchronous once the wasm is loaded (always in Node); `await` it in browsers. */
  static validate(spec: Spec | string): ValidationResult | Promise<ValidationResult>;
  /** Loads the wasm ahead of time. */
  static ready(): Promise<void>;
  static readonly version: string;

  /** False for an inert instance (no browser, wasm not loaded, invalid spec). */
  readonly active: boolean;
  debug: boolean;
  track(name: string, properties?: Record<string, unknown>): void;
  start(flowId: string, stepId?: string): boolean;
  next(): void;
  back(): void;
  dismiss(): void;
  identify(userId: string | number | null, traits?: Record<string, unknown>, options?: { hash?: string }): void;
  on(name: 'error', fn: (error: ShirubeError) => void): this;
  /** `'*'` receives every event, never errors (those go to `'error'` listeners). */
  on(name: EventName | '*', fn: (event: ShirubeEvent) => void): this;
  off(name: EventName | 'error' | '*', fn?: (event: any) => void): this;
  registerAction(name: string, fn: () => void): this;
  state(): State | null;
  explain(): Explanation[];
  flush(): Promise<void>;
  consent(mode: 'pending' | 'granted' | 'denied'): void;
  delivery(): DeliveryState | null;
  /** Removes everything Shirube added: nodes, listeners, observers, timers. */
  destroy(): void;
}

export default Shirube;

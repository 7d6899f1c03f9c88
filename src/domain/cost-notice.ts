/** What the daily digest and the budget alerts tell people: facts recorded with the notice, rendered when sent. */
import type { PriceSource } from './prices.js';

export interface DigestFacts {
  /** The UTC day the spend is of (`2026-11-26`). */
  day: string;
  /** Boxes and training jobs. */
  total: number;
  byPerson: { owner: string; total: number }[];
  /**
   * Boxes whose VM runs at the time of the digest, and training jobs running then, with what each
   * costs per hour. `kind` is absent from digests recorded before jobs were listed: those are boxes.
   */
  running: { name: string; owner: string; perHour: number; kind?: 'box' | 'job' }[];
  idleStops: number;
  /** An estimate: see `idleStopSaving`. */
  idleSaved: number;
  /**
   * Training jobs that ran that day and what they cost (already in `total` and `byPerson`). Absent from
   * digests recorded before jobs were counted, which may still wait in the outbox.
   */
  jobs?: { count: number; total: number };
  sources: PriceSource[];
  missing: string[];
}

export type CostNoticeEvent =
  | { type: 'cost-digest'; digest: DigestFacts }
  | {
      type: 'budget-alert';
      /** A person's budget (`owner` is who), or the team's. */
      scope: 'person' | 'team';
      who: string | null;
      /** `2026-11`. */
      month: string;
      threshold: number;
      spent: number;
      budget: number;
      sources: PriceSource[];
    };

export function isCostNoticeEvent(event: { type: string }): event is CostNoticeEvent {
  return event.type === 'cost-digest' || event.type === 'budget-alert';
}

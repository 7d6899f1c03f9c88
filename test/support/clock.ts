/** A clock tests move by hand, so nothing waits in real time for minutes to pass. */
import type { Clock } from '../../src/app/ports.js';

export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 27, 9, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): number {
    this.current += ms;
    return this.current;
  }
}

/**
 * A fault layer for the stand-ins' HTTP servers (the Google sandbox and the Slack simulator): rules
 * that pick requests by method and path and make them fail the ways real services fail (an error
 * status such as 5xx or 429 with Retry-After, a call that hangs and then drops, an answer lost after
 * the work was done, a slow answer, a rewritten answer). Generic on purpose: one switch covers every
 * API a server speaks, so a service's own sandbox class needs no fault code of its own for these.
 */

/** What a server was going to answer (status, JSON body, extra headers). */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers?: Readonly<Record<string, string>>;
}

export type HttpFault =
  /** Answer this instead; the request has no effect (the service refused it before doing anything). */
  | { kind: 'answer'; answer: HttpAnswer }
  /** Hold the request `ms`, then drop the connection without an answer; the request has no effect. */
  | { kind: 'hang'; ms: number }
  /** Do the request (its effect happens), hold the answer `ms`, then drop the connection: the caller cannot know it worked. */
  | { kind: 'lose-answer'; ms: number }
  /** Do the request and answer it, `ms` late. */
  | { kind: 'delay'; ms: number }
  /** Do the request, then answer what `rewrite` makes of the answer (a listing that lags behind, for one). */
  | { kind: 'rewrite'; rewrite: (answer: HttpAnswer, request: { method: string; path: string; query: URLSearchParams }) => HttpAnswer };

export interface HttpFaultRule {
  /** A short name, for counts and logs (`compute-5xx`). */
  name: string;
  /** Upper-case HTTP method; any when absent. */
  method?: string;
  /** Tested against the request target as the client sent it: the path, then `?query` when there is one. */
  path: RegExp;
  fault: HttpFault;
  /** Chance that a matching request is hit, 0..1; default 1. */
  probability?: number;
  /** Hits left; unlimited when absent. */
  times?: number;
}

/** What the server should do with one request. */
export type FaultOutcome = { kind: 'answer'; answer: HttpAnswer } | { kind: 'drop' };

/**
 * The rules a server consults for each request, first match wins. Randomness is injectable so a
 * seeded run replays the same hits for the same sequence of requests.
 */
export class HttpFaults {
  /** How many requests each rule has hit, by rule name. */
  readonly hits = new Map<string, number>();
  private readonly rules: (HttpFaultRule & { id: number })[] = [];
  private readonly held = new Set<() => void>();
  private nextId = 1;

  constructor(private random: () => number = Math.random) {}

  /** Replaces the source of randomness (a seeded generator for replayable runs). */
  useRandom(random: () => number): void {
    this.random = random;
  }

  /** Adds a rule; returns a function that removes it again. */
  add(rule: HttpFaultRule): () => void {
    const id = this.nextId++;
    this.rules.push({ ...rule, id });
    return () => {
      const at = this.rules.findIndex((r) => r.id === id);
      if (at >= 0) this.rules.splice(at, 1);
    };
  }

  /** Removes every rule and lets every held request go on at once (hung ones are dropped now). */
  clear(): void {
    this.rules.length = 0;
    this.releaseHeld();
  }

  /** Ends every hang and lost answer now instead of when their time is up. */
  releaseHeld(): void {
    for (const release of [...this.held]) release();
  }

  /** Whether any rule is in force. */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /**
   * Runs one request through the rules: `produce` does the request's work and yields the normal
   * answer; it is not called when the fault stops the request before the service does anything.
   */
  async around(method: string, target: string, produce: () => Promise<HttpAnswer>): Promise<FaultOutcome> {
    const fault = this.pick(method, target);
    if (fault === null) return { kind: 'answer', answer: await produce() };
    switch (fault.kind) {
      case 'answer':
        return { kind: 'answer', answer: fault.answer };
      case 'hang':
        await this.hold(fault.ms);
        return { kind: 'drop' };
      case 'lose-answer':
        await produce();
        await this.hold(fault.ms);
        return { kind: 'drop' };
      case 'delay': {
        await this.hold(fault.ms);
        return { kind: 'answer', answer: await produce() };
      }
      case 'rewrite': {
        const answer = await produce();
        const url = new URL(target, 'http://sandbox.invalid');
        return { kind: 'answer', answer: fault.rewrite(answer, { method, path: url.pathname, query: url.searchParams }) };
      }
    }
  }

  private pick(method: string, target: string): HttpFault | null {
    for (const rule of this.rules) {
      if (rule.method !== undefined && rule.method !== method.toUpperCase()) continue;
      if (!rule.path.test(target)) continue;
      if (rule.times !== undefined && rule.times <= 0) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.times !== undefined) rule.times--;
      this.hits.set(rule.name, (this.hits.get(rule.name) ?? 0) + 1);
      return rule.fault;
    }
    return null;
  }

  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.held.delete(release);
        resolve();
      };
      // Unref'd: a request still held when the server closes must not keep the process alive.
      const timer = setTimeout(release, ms);
      timer.unref();
      this.held.add(release);
    });
  }
}

/**
 * `/gpu team`: an admin binds the channel they type in to a Google Cloud project, a region and a
 * monthly budget, or clears the binding; anyone may see it. Every change is written with its audit
 * entry. `teamOf` is what requests made in a channel read to learn where they go (domain/team.ts).
 */
import { requestedEntry } from '../domain/audit.js';
import { applyTeamSet, notAdminToBind, teamDetail, type Team, type TeamCommand } from '../domain/team.js';
import type { Parsed } from '../domain/result.js';
import type { Asker } from './box-commands.js';
import { isChannelId } from '../domain/slack-ids.js';
import { ShortCache } from './short-cache.js';
import type { Clock } from './ports.js';
import type { TeamStore } from './ports/teams.js';

export interface TeamsDeps {
  store: TeamStore;
  clock: Clock;
  isAdmin(user: string): boolean;
  /** Named in a refusal: who can bind. */
  admins: readonly string[];
}

/**
 * A binding read for one request is reused by the others of the same moment (the gate and the use case
 * of one `/gpu up` both need it) for this long; a change made here clears it at once.
 */
const REUSE_MS = 2_000;

/**
 * The projects bound to teams are read again after this long. The worker lists them on every tick (a
 * team project with no live box may still hold a VM of ours that no record knows, app/project-listings.ts),
 * and a tick comes every few seconds while boxes change: reading every binding each time costs one
 * Firestore read per bound channel per tick, for data an admin changes a few times a month. A minute
 * only delays the first report of an orphan in a newly bound project; a box's own project is listed
 * from its record whatever this says, and a change made on this replica clears it at once.
 */
export const BOUND_REUSE_MS = 60_000;

export class Teams {
  /** By channel. Wall time, not the clock the rules use: this only spares a second read of the same moment. */
  private readonly recent = new ShortCache<Team | null>(REUSE_MS);
  /** One entry. The bot's clock: tests move it a minute on. */
  private readonly bound: ShortCache<string[]>;

  constructor(private readonly deps: TeamsDeps) {
    this.bound = new ShortCache(BOUND_REUSE_MS, () => deps.clock.now());
  }

  /** The channel's team; null: none (a DM, or a channel nobody bound). Failed reads are not kept. */
  teamOf(channel: string): Promise<Team | null> {
    // Only channels are teams: a DM or an app home binds nothing.
    if (!isChannelId(channel)) return Promise.resolve(null);
    return this.recent.get(channel, () => this.deps.store.get(channel));
  }

  /** `/gpu team set ...` (admins): the parts given replace the stored ones. */
  async set(asker: Asker, set: Extract<TeamCommand, { action: 'set' }>): Promise<Parsed<{ team: Team }>> {
    const refusal = this.refusal(asker);
    if (refusal !== null) return refusal;
    const before = await this.deps.store.get(asker.channelId);
    const now = this.deps.clock.now();
    const team = applyTeamSet(before, set, asker.channelId, asker.userId, now);
    await this.deps.store.put(asker.channelId, team, requestedEntry(asker, 'team-bind', target(asker.channelId), now, teamDetail(team)));
    this.recent.drop();
    this.bound.drop();
    // A retried request saved nothing new; what is stored now is the answer either way.
    return { ok: true, value: { team: (await this.deps.store.get(asker.channelId)) ?? team } };
  }

  /** `/gpu team clear` (admins): the channel is no team's from now on; its records keep their project. */
  async clear(asker: Asker): Promise<Parsed<{ cleared: Team | null }>> {
    const refusal = this.refusal(asker);
    if (refusal !== null) return refusal;
    const before = await this.deps.store.get(asker.channelId);
    if (before === null) return { ok: true, value: { cleared: null } };
    await this.deps.store.put(asker.channelId, null, requestedEntry(asker, 'team-clear', target(asker.channelId), this.deps.clock.now(), teamDetail(before)));
    this.recent.drop();
    this.bound.drop();
    return { ok: true, value: { cleared: before } };
  }

  /** Every bound channel. */
  all(): Promise<Team[]> {
    return this.deps.store.all();
  }

  /**
   * Every project some channel is bound to (a binding that keeps the configured project names none),
   * read again after BOUND_REUSE_MS; a failed read is not kept, so the next call reads again.
   */
  boundProjects(): Promise<string[]> {
    return this.bound.get('all', () => this.deps.store.all().then((teams) => [...new Set(teams.flatMap((t) => (t.project === null ? [] : [t.project])))].sort()));
  }

  private refusal(asker: Asker): { ok: false; error: { code: string; message: string } } | null {
    if (!this.deps.isAdmin(asker.userId)) return { ok: false, error: notAdminToBind(this.deps.admins) };
    if (!isChannelId(asker.channelId)) {
      return { ok: false, error: { code: 'NOT_A_CHANNEL', message: 'A team is a channel: type `/gpu team set ...` in the channel to bind, not in a DM.' } };
    }
    return null;
  }
}

function target(channel: string): { kind: 'team'; id: string; name: string } {
  return { kind: 'team', id: channel, name: channel };
}

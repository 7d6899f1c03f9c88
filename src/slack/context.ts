/** What every listener needs, passed in by the composition root. */
import type { BoxCommands } from '../app/box-commands.js';
import type { PolicyGate } from '../app/policy-gate.js';
import type { JobCommands } from '../app/job-commands.js';
import type { BoxJobs } from '../app/box-jobs.js';
import type { Clock, Logger } from '../app/ports.js';
import type { CostReports } from '../app/cost-reports.js';
import type { Budgets } from '../app/cost-watch.js';
import type { PriceLookup } from './price-lookup.js';
import type { DoctorReport } from '../app/doctor.js';
import type { AuditLog } from '../app/audit-log.js';
import type { JobApprovals } from '../app/job-approvals.js';
import type { StoppedReminders } from '../app/stopped-reminders.js';
import type { Teams } from '../app/teams.js';
import type { Team } from '../domain/team.js';

export interface ListenerDeps {
  boxes: BoxCommands;
  /** Training jobs; without them `/train` is not registered. */
  jobs?: JobCommands;
  /** `/train --from-box` and its buttons; without it such a submit says training from a box is not set up. */
  boxJobs?: BoxJobs;
  log: Logger;
  clock: Clock;
  project: string;
  region: string;
  regions: string[];
  /** A region's list prices (the price book); without it, answers say nothing about money. */
  prices?: PriceLookup;
  /** `/gpu cost`; without it the subcommand says costs are not set up. */
  costs?: CostReports;
  /** The team's policy, for `/gpu policy` (read by anyone, changed by admins); without it the subcommand says it is not set up. */
  policy?: Pick<PolicyGate, 'current' | 'save' | 'admins'>;
  /** Who may change the policy. */
  isAdmin?: (user: string) => boolean;
  /** Monthly budgets (GPUBOT_BUDGETS); with one, the App Home says how much of the person's is spent. */
  budgets?: Budgets;
  /** `/gpu doctor`: who may run it, and the check (built on first use, after the ack). */
  doctor?: { isAdmin(user: string): boolean; run(): Promise<DoctorReport> };
  /** `/gpu audit` (admins only); without it the subcommand says the trail is not set up. */
  audit?: AuditLog;
  /** [Approve] / [Deny] on training jobs a policy rule sent to the admins. */
  jobApprovals?: JobApprovals;
  /** [Keep 30 days] on the weekly stopped-box reminder. */
  stoppedReminders?: StoppedReminders;
  /** `/gpu team` (bound by admins, seen by anyone) and the team a channel's `/gpu cost` reports; without it the subcommand says teams are not set up. */
  teams?: Pick<Teams, 'teamOf' | 'set' | 'clear'>;
  /** A team's spend this month so far (list price), shown beside its budget. */
  teamSpend?: (team: Team) => Promise<number>;
}

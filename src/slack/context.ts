/** What every listener needs, passed in by the composition root. */
import type { BoxCommands } from '../app/box-commands.js';
import type { Clock, Logger } from '../app/ports.js';

export interface ListenerDeps {
  boxes: BoxCommands;
  log: Logger;
  clock: Clock;
  project: string;
  region: string;
  regions: string[];
}

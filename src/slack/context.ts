/** What every listener needs, passed in by the composition root. */
import type { BoxCommands } from '../app/box-commands.js';
import type { Clock, Logger } from '../app/ports.js';
import type { PriceLookup } from './price-lookup.js';

export interface ListenerDeps {
  boxes: BoxCommands;
  log: Logger;
  clock: Clock;
  project: string;
  region: string;
  regions: string[];
  /** A region's list prices (the price book); without it, answers say nothing about money. */
  prices?: PriceLookup;
}

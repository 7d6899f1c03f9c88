/**
 * What `/train --from-box` needs from the cloud: a box's agent (asked through the VM's metadata, answering
 * in its guest attributes) and the staging bucket the code and outputs live in.
 */
import type { BoxAgentAnswer, BoxAgentRequest } from '../../domain/box-agent-script.js';
import type { CloudResult } from './cloud.js';

export interface BoxAgentPort {
  /**
   * Puts `request` in the VM's metadata for its agent, keeping every other item. The metadata is written
   * whole with the fingerprint it was read with; a write that lost a race is read and tried again.
   */
  ask(zone: string, instance: string, request: BoxAgentRequest): Promise<CloudResult<void>>;
  /**
   * Takes `requestId` out of the VM's metadata if it is still there, so an agent that comes back later
   * does not act on a request the bot gave up on. A VM that is gone counts as done.
   */
  withdraw(zone: string, instance: string, requestId: string): Promise<CloudResult<void>>;
  /** The agent's answer to `requestId`, or null while there is none. */
  answerTo(zone: string, instance: string, requestId: string): Promise<CloudResult<BoxAgentAnswer | null>>;
}

export interface StagingPort {
  /** Names of the objects under `prefix` in `bucket`, every page. */
  list(bucket: string, prefix: string): Promise<CloudResult<string[]>>;
  /** Deletes every object under `prefix` (one already gone counts as deleted); answers how many went. */
  deletePrefix(bucket: string, prefix: string): Promise<CloudResult<number>>;
}

/** Builds the Bolt app for the configured Slack mode, with the project's HTTP routes beside Slack's. */
import { App, HTTPReceiver, LogLevel, type CustomRoute } from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import type { Logger } from '../app/ports.js';
import { boltLogger } from './bolt-logger.js';
import type { ListenerDeps } from './context.js';
import { registerListeners } from './listeners/index.js';

export type SlackConnection =
  | { kind: 'http'; signingSecret: string; botToken: string; apiUrl: string | null }
  | { kind: 'socket'; appToken: string; botToken: string; apiUrl: string | null };

export interface SlackAppOptions {
  connection: SlackConnection;
  port: number;
  routes: CustomRoute[];
  log: Logger;
  deps: ListenerDeps;
}

export interface SlackApp {
  app: App;
  /** Resolves once no listener is running (or after `timeoutMs`): call after app.stop() on shutdown. */
  drain(timeoutMs: number): Promise<void>;
}

/** How long one Web API call may take and how often it is tried again. */
export interface SlackCallPolicy {
  timeoutMs: number;
  /** node-retry options, as `WebClientOptions.retryConfig` takes them. */
  retry: { retries: number; factor: number; minTimeout: number; maxTimeout: number; randomize: boolean };
}

/**
 * The Web API client's defaults retry for about half an hour (`tenRetriesInAboutThirtyMinutes`) with
 * no timeout, so one hung or failing call holds the tick that sent it. Here a call gives up after 10 s
 * an attempt and two retries (a rate-limited answer waits its Retry-After first): the notices outbox
 * keeps what was not sent and tries again on a later tick.
 */
export const SLACK_CALL_POLICY: Readonly<SlackCallPolicy> = Object.freeze({
  timeoutMs: 10_000,
  retry: Object.freeze({ retries: 2, factor: 2, minTimeout: 1_000, maxTimeout: 5_000, randomize: true }),
});

/** The Web API client options every client of the app is built with. */
export function slackClientOptions(apiUrl: string | null, policy: Readonly<SlackCallPolicy> = SLACK_CALL_POLICY): WebClientOptions {
  return { ...(apiUrl !== null ? { slackApiUrl: apiUrl } : {}), timeout: policy.timeoutMs, retryConfig: { ...policy.retry } };
}

export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { connection, log } = options;
  const logger = boltLogger(log.child({ component: 'bolt' }));
  const clientOptions = slackClientOptions(connection.apiUrl);
  let app: App;
  if (connection.kind === 'http') {
    const receiver = new HTTPReceiver({
      signingSecret: connection.signingSecret,
      port: options.port,
      customRoutes: options.routes,
      logger,
      // Listeners answer inside ack(); the response goes out as soon as they call it.
      processBeforeResponse: false,
      unhandledRequestTimeoutMillis: 2500,
    });
    app = new App({ token: connection.botToken, receiver, logger, logLevel: LogLevel.INFO, clientOptions });
  } else {
    app = new App({
      token: connection.botToken,
      appToken: connection.appToken,
      socketMode: true,
      // Socket Mode has no Slack HTTP endpoint, but health checks and Cloud Scheduler still need one.
      customRoutes: options.routes,
      installerOptions: { port: options.port },
      logger,
      logLevel: LogLevel.INFO,
      clientOptions,
    });
  }
  app.error(async (error) => {
    log.error('unhandled error in a Slack listener', { error });
  });
  // Counts requests still being handled, so shutdown finishes what was accepted before closing stores.
  let inFlight = 0;
  let idle: (() => void) | null = null;
  app.use(async ({ next }) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  });
  registerListeners(app, options.deps);
  const drain = async (timeoutMs: number): Promise<void> => {
    if (inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  return { app, drain };
}

/**
 * Compute Engine's errors, in its words. Two kinds: errors the HTTP call itself returns (Compute's
 * classic envelope, which carries no canonical `status`, so client libraries map it from the HTTP code:
 * a duplicate name surfaces as 409/ABORTED, not ALREADY_EXISTS), and errors written into a DONE
 * operation (stockouts, quota), where the call itself succeeded.
 */
import type { GoogleErrorItem, SandboxResponse } from './server.js';

/** Compute's HTTP error envelope: `{error: {code, message, errors: [{domain, reason, message}]}}`. */
export function computeHttpError(code: number, reason: string, message: string, domain = 'global'): SandboxResponse {
  const item: GoogleErrorItem = { message, domain, reason };
  return { status: code, body: { error: { code, message, errors: [item] } } };
}

export function notFound(resourcePath: string): SandboxResponse {
  return computeHttpError(404, 'notFound', `The resource '${resourcePath}' was not found`);
}

export function alreadyExists(resourcePath: string): SandboxResponse {
  return computeHttpError(409, 'alreadyExists', `The resource '${resourcePath}' already exists`);
}

/** `Invalid value for field 'resource.name': 'Bad_Name'. Must be a match of regex ...` */
export function invalidField(field: string, value: string, why: string): SandboxResponse {
  return computeHttpError(400, 'invalid', `Invalid value for field '${field}': '${value}'. ${why}`);
}

export function invalidResourceUsage(why: string): SandboxResponse {
  return computeHttpError(400, 'invalidResourceUsage', `Invalid resource usage: '${why}'.`);
}

export function resourceNotReady(resourcePath: string): SandboxResponse {
  return computeHttpError(400, 'resourceNotReady', `The resource '${resourcePath}' is not ready`);
}

export function conditionNotMet(message: string): SandboxResponse {
  return computeHttpError(412, 'conditionNotMet', message);
}

/** One entry of `Operation.error.errors[]`. */
export interface OperationErrorItem {
  code: string;
  message: string;
  location?: string;
  errorDetails?: unknown[];
}

/** The failure a DONE operation carries, with the HTTP status Compute reports beside it. */
export interface OperationFailure {
  errors: OperationErrorItem[];
  httpErrorStatusCode: number;
  httpErrorMessage: string;
}

export function stockoutFailure(project: string, zone: string, withDetails: boolean): OperationFailure {
  const scope = `projects/${project}/zones/${zone}`;
  const item: OperationErrorItem = withDetails
    ? {
        code: 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS',
        message: `The zone '${scope}' does not have enough resources available to fulfill the request.  '(resource type:compute)'.`,
      }
    : {
        code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
        message: `The zone '${scope}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.`,
      };
  return { errors: [item], httpErrorStatusCode: 503, httpErrorMessage: 'SERVICE UNAVAILABLE' };
}

/** Quota limits are printed with one decimal, as Compute does (`Limit: 0.0`, `Limit: 24.0`). */
function formatLimit(limit: number): string {
  return Number.isInteger(limit) ? limit.toFixed(1) : String(limit);
}

export function quotaMessage(metric: string, region: string, limit: number): string {
  const where = region === 'global' ? 'globally' : `in region ${region}`;
  return `Quota '${metric}' exceeded.  Limit: ${formatLimit(limit)} ${where}.`;
}

export function quotaFailure(metric: string, region: string, limit: number): OperationFailure {
  const global = region === 'global';
  const quotaInfo: Record<string, unknown> = {
    metricName: `compute.googleapis.com/${metric.toLowerCase()}`,
    limitName: `${metric.replaceAll('_', '-')}-per-project${global ? '' : '-region'}`,
    limit,
  };
  if (!global) quotaInfo.dimensions = { region };
  return {
    errors: [{ code: 'QUOTA_EXCEEDED', message: quotaMessage(metric, region, limit), errorDetails: [{ quotaInfo }] }],
    httpErrorStatusCode: 403,
    httpErrorMessage: 'FORBIDDEN',
  };
}

/** The same quota refusal when Compute answers it on the insert call itself. */
export function quotaHttpError(metric: string, region: string, limit: number): SandboxResponse {
  return computeHttpError(403, 'quotaExceeded', quotaMessage(metric, region, limit), 'usageLimits');
}

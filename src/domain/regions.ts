/**
 * Google Cloud's regions, so that a region someone typed is checked before anything is looked up or
 * stored for it: a price-book entry (and a catalogue read) for every region-shaped string would grow
 * without bound. From https://cloud.google.com/compute/docs/regions-zones (read 2026-01); a region
 * Google opens later is priced with the bundled table until it is added here.
 */
export const GOOGLE_CLOUD_REGIONS: ReadonlySet<string> = new Set([
  'africa-south1',
  'asia-east1',
  'asia-east2',
  'asia-northeast1',
  'asia-northeast2',
  'asia-northeast3',
  'asia-south1',
  'asia-south2',
  'asia-southeast1',
  'asia-southeast2',
  'australia-southeast1',
  'australia-southeast2',
  'europe-central2',
  'europe-north1',
  'europe-north2',
  'europe-southwest1',
  'europe-west1',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'europe-west6',
  'europe-west8',
  'europe-west9',
  'europe-west10',
  'europe-west12',
  'me-central1',
  'me-central2',
  'me-west1',
  'northamerica-northeast1',
  'northamerica-northeast2',
  'northamerica-south1',
  'southamerica-east1',
  'southamerica-west1',
  'us-central1',
  'us-east1',
  'us-east4',
  'us-east5',
  'us-south1',
  'us-west1',
  'us-west2',
  'us-west3',
  'us-west4',
]);

export function isGoogleCloudRegion(region: string): boolean {
  return GOOGLE_CLOUD_REGIONS.has(region);
}

/** The credentials every Google adapter is built with: Application Default Credentials, or none for local stand-ins. */
import { GoogleAuth, OAuth2Client, type AuthClient } from 'google-auth-library';
import type { CloudMode } from '../config.js';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export async function googleAuth(cloud: CloudMode): Promise<AuthClient> {
  if (cloud.kind !== 'real' && (cloud.kind === 'sandbox' || cloud.loopback)) {
    // Local stand-ins take any token; a real credential must never be sent to them.
    const client = new OAuth2Client();
    client.setCredentials({ access_token: 'sandbox-token', expiry_date: Date.now() + 365 * 24 * 3600_000 });
    return client;
  }
  return new GoogleAuth({ scopes: [CLOUD_PLATFORM] }).getClient();
}

/**
 * The email of the service account the credentials act as (a key file's `client_email`, or on Cloud Run
 * and Compute Engine the metadata server's answer); null for a person's credentials or a stand-in.
 */
export async function credentialsEmail(cloud: CloudMode): Promise<string | null> {
  if (cloud.kind !== 'real' && (cloud.kind === 'sandbox' || cloud.loopback)) return null;
  try {
    const credentials = await new GoogleAuth({ scopes: [CLOUD_PLATFORM] }).getCredentials();
    const email = credentials.client_email;
    return email !== undefined && email.endsWith('.gserviceaccount.com') ? email : null;
  } catch {
    return null;
  }
}

/**
 * Who may open a box's JupyterLab through Google's inverting proxy, and which proxy addresses the bot
 * passes on. The proxy agent of the Deep Learning VM reads the box's metadata: `proxy-mode=mail` with
 * `proxy-user-mail=ADDRESS` admits that one Google account; `project_editors` admits every editor of the
 * project ("Manage access to a Vertex AI Workbench managed notebooks instance's JupyterLab interface",
 * docs.cloud.google.com/vertex-ai/docs/workbench/managed/manage-access-jupyterlab, and the agent's own
 * attempt-register-vm-on-proxy script, which exits without registering when mail mode has no address).
 */

/** `owner`: only the box owner's Google account (the default); `project-editors`: anyone who can edit the project. */
export type JupyterAccess = 'owner' | 'project-editors';

export const JUPYTER_ACCESS_MODES: readonly JupyterAccess[] = ['owner', 'project-editors'];

/**
 * The proxy's domain: Workbench lists `*.notebooks.googleusercontent.com` among the endpoints its
 * instances are served from ("Create a Vertex AI Workbench instance", the DNS entries for
 * private.googleapis.com, docs.cloud.google.com/vertex-ai/docs/workbench/instances/create); the agent
 * writes addresses such as `https://HEX-dot-REGION.notebooks.googleusercontent.com/`.
 */
export const NOTEBOOK_PROXY_DOMAIN = 'notebooks.googleusercontent.com';

/**
 * The metadata entries that set the proxy's access. In owner mode without an address the proxy is told
 * to register nothing (`none`): no link at all is safer than one every editor could open.
 */
export function proxyAccessMetadata(access: JupyterAccess, ownerAccount: string | null): Record<string, string> {
  if (access === 'project-editors') return { 'proxy-mode': 'project_editors' };
  if (ownerAccount === null || !isGoogleAccountAddress(ownerAccount)) return { 'proxy-mode': 'none' };
  return { 'proxy-mode': 'mail', 'proxy-user-mail': ownerAccount };
}

/** An email address as a Google account has one: one `@`, no spaces, a dotted domain. */
export function isGoogleAccountAddress(address: string): boolean {
  return /^[^\s@,;<>"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(address) && address.length <= 254;
}

/**
 * Whether an address from the instance metadata is one of Google's notebook proxy: https, on the
 * proxy's domain, no port and no credentials. The metadata can be written by anyone who can edit the
 * VM, so anything else is not passed on as the box's Jupyter link.
 */
export function isNotebookProxyUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.port !== '' || parsed.username !== '' || parsed.password !== '') return false;
  const host = parsed.hostname.toLowerCase();
  return host.endsWith(`.${NOTEBOOK_PROXY_DOMAIN}`) && host.length > NOTEBOOK_PROXY_DOMAIN.length + 1;
}

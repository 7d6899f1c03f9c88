/** Slack ids begin with a letter that says what they name: C… a channel, G… a private channel (older workspaces), D… a DM, U… or W… a person. */

const CHANNEL_ID = /^[CG][A-Z0-9]{2,30}$/;

/** A channel's id (public C…, private G…): not a DM's (`D…`) nor a user's (a box made from the App Home). */
export function isChannelId(id: string): boolean {
  return CHANNEL_ID.test(id);
}

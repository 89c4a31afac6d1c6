import type { ServerContext } from '../../server/context';
import { qualifiedConversation, qualifiedUser } from '../../server/conversations/view';

/**
 * Test seam: applies a commit bundle at the server WITHOUT the route's checks (as a server that
 * trusted the bundle's declared adds and removes did before issue 11), so a security test can show
 * that the other devices refuse a malicious member's commit themselves. The epoch advances, the
 * GroupInfo is kept and the commit goes to every device in the group except the sender, attested
 * as from `sender` — exactly the notification a real commit makes. The server's list of the group's
 * devices is left as it was.
 */
export async function commitWithoutChecks(
  context: ServerContext,
  conversationId: string,
  sender: Readonly<{ userId: string; clientId: string }>,
  commit: Uint8Array,
  groupInfo: Uint8Array,
): Promise<number> {
  const domain = context.settings.domain;
  const outcome = await context.store.conversations.update(
    conversationId,
    (current) => ({
      ok: true,
      value: current.epoch + 1,
      change: { epoch: current.epoch + 1, groupInfo: Buffer.from(groupInfo) },
      fanout: () => [
        {
          clients: current.clients,
          except: sender,
          event: {
            type: 'conversation.mls-message-add' as const,
            conversation: qualifiedConversation(current, domain),
            from: qualifiedUser(sender.userId, domain),
            fromClient: sender.clientId,
            data: Buffer.from(commit).toString('base64'),
          },
        },
      ],
    }),
    context.now(),
  );
  if (outcome.kind !== 'done') throw new Error(`the unchecked commit was not applied: ${outcome.kind}`);
  context.hub.deliver(outcome.delivered);
  return outcome.value;
}

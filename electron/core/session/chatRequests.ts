/**
 * Chat requests by e-mail (docs/SECURITY.md §10): how someone known only by address is asked to
 * chat. Sending answers alike whether the address has an account; accepting opens the 1:1
 * conversation from this side (chatRequestSchemas.ts says why this side).
 */
import type { ChatRequest } from '../../../protocol/api/chatRequests';
import type { ConversationSummary, IncomingChatRequest } from '../ipc/contract';
import type { DeviceContext } from './device';
import type { Membership } from './membership';

export function toIncoming(request: ChatRequest): IncomingChatRequest {
  const { qualifiedId, name, handle } = request.requester;
  return { id: request.id, requester: { id: qualifiedId.id, domain: qualifiedId.domain, name, handle }, expires: request.expires };
}

export class ChatRequests {
  constructor(
    private readonly device: DeviceContext,
    private readonly membership: Membership,
  ) {}

  async send(email: string): Promise<Record<string, never>> {
    await this.device.api.call('sendChatRequest', { body: { email } });
    return {};
  }

  async list(): Promise<{ requests: IncomingChatRequest[] }> {
    const { requests } = await this.device.api.call('listChatRequests', {});
    return { requests: requests.map(toIncoming) };
  }

  /** Accepts, then opens (or creates) the 1:1 conversation with the requester through the ordinary path. */
  async accept(id: string): Promise<ConversationSummary> {
    const { requester } = await this.device.api.call('acceptChatRequest', { params: { id } });
    return this.membership.openOneToOne(requester.qualifiedId);
  }

  async ignore(id: string): Promise<Record<string, never>> {
    await this.device.api.call('ignoreChatRequest', { params: { id } });
    return {};
  }
}

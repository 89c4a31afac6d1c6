import type { Conversation, QualifiedConversationId, QualifiedUserId } from '../../protocol';
import type { ConversationRecord, MemberRecord } from '../store/records';

export function qualifiedUser(userId: string, domain: string): QualifiedUserId {
  return { id: userId, domain };
}

export function qualifiedConversation(conversation: Pick<ConversationRecord, 'id'>, domain: string): QualifiedConversationId {
  return { id: conversation.id, domain };
}

/** The API view of a conversation. */
export function toConversation(conversation: ConversationRecord, domain: string): Conversation {
  return {
    qualifiedId: qualifiedConversation(conversation, domain),
    type: conversation.type,
    name: conversation.name,
    creator: qualifiedUser(conversation.creator, domain),
    members: conversation.members.map((member) => ({ user: qualifiedUser(member.userId, domain), role: member.role })),
    groupId: conversation.groupId.toString('base64'),
    epoch: conversation.epoch,
    cipherSuite: conversation.cipherSuite,
    messageTimer: conversation.messageTimer,
    clients: conversation.clients.map((client) => ({ user: qualifiedUser(client.userId, domain), client: client.clientId })),
  };
}

export function memberOf(conversation: ConversationRecord, userId: string): MemberRecord | undefined {
  return conversation.members.find((member) => member.userId === userId);
}

export function memberUserIds(conversation: ConversationRecord): string[] {
  return conversation.members.map((member) => member.userId);
}

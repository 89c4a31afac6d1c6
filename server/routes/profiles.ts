import type { SelfUser, UserProfile } from '../../protocol';
import type { UserRecord } from '../store/records';

export function toProfile(user: UserRecord, domain: string): UserProfile {
  return {
    qualifiedId: { id: user.id, domain },
    name: user.name,
    handle: user.handle,
    accentId: user.accentId,
    picture: user.picture,
  };
}

export function toSelf(user: UserRecord, domain: string): SelfUser {
  return { ...toProfile(user, domain), email: user.email, locale: user.locale, secondFactor: user.secondFactor };
}

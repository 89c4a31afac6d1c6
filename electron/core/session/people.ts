/** Finding people to start a conversation with (the server's search: a username prefix or an exact e-mail address). */
import type { DeviceContext } from './device';

export class People {
  constructor(private readonly device: DeviceContext) {}

  async search(query: string): Promise<{ users: Array<{ id: string; domain: string; name: string; handle: string | null }> }> {
    const { results } = await this.device.api.call('searchUsers', { query: { q: query, size: 20 } });
    return { users: results.map((u) => ({ id: u.qualifiedId.id, domain: u.qualifiedId.domain, name: u.name, handle: u.handle })) };
  }
}

import type { Subconversation } from '../../../../protocol/api/subconversations';
import type { Result } from '../../../../protocol/result';
import { err, ok } from '../../../../protocol/result';
import type { MlsCommitOutput } from '../../crypto/mls/engineContext';
import type { MlsClientIdentity } from '../../crypto/mls/mlsIdentity';
import type { ApiClient } from '../../net/apiClient';
import { ApiError } from '../../net/apiError';

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const qualified = (device: MlsClientIdentity) => ({ user: { id: device.userId, domain: device.domain }, client: device.clientId });

/** A refused request as a result value: the server's stable code and sentence (a 409 `mls-stale-message` keeps its code). */
async function attempt<T>(run: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await run());
  } catch (error) {
    if (error instanceof ApiError) return err(error.code, error.message);
    throw error;
  }
}

/** The server side of one call group: the subconversation routes, answers as result values. */
export class CallGroupServer {
  constructor(
    private readonly api: ApiClient,
    private readonly conversationId: string,
    private readonly callGroupId: string,
  ) {}

  static create(api: ApiClient, conversationId: string, cipherSuite: number): Promise<Result<Subconversation>> {
    return attempt(() => api.call('createSubconversation', { params: { conv: conversationId }, body: { cipherSuite } }));
  }

  get(): Promise<Result<Subconversation>> {
    return attempt(() => this.api.call('getSubconversation', { params: this.#params() }));
  }

  async groupInfo(): Promise<Result<Uint8Array>> {
    const answer = await attempt(() => this.api.call('getSubconversationGroupInfo', { params: this.#params() }));
    return answer.ok ? ok(new Uint8Array(Buffer.from(answer.value.groupInfo, 'base64'))) : answer;
  }

  /** Posts a commit with the devices it adds (an external join: this device) and removes; `startedAt` is when its epoch began on the server. */
  async postCommit(output: MlsCommitOutput, adds: readonly MlsClientIdentity[], removes: readonly MlsClientIdentity[] = []): Promise<Result<Readonly<{ epoch: number; startedAt: number }>>> {
    const answer = await attempt(() =>
      this.api.call('postSubconversationCommitBundle', {
        params: this.#params(),
        body: { commit: toBase64(output.commit), groupInfo: toBase64(output.groupInfo), adds: adds.map(qualified), removes: removes.map(qualified) },
      }),
    );
    return answer.ok ? ok({ epoch: answer.value.epoch, startedAt: Date.parse(answer.value.time) }) : answer;
  }

  async leave(): Promise<Result<true>> {
    const answer = await attempt(() => this.api.call('leaveSubconversation', { params: this.#params() }));
    return answer.ok ? ok(true as const) : answer;
  }

  #params(): Readonly<{ conv: string; sub: string }> {
    return { conv: this.conversationId, sub: this.callGroupId };
  }
}

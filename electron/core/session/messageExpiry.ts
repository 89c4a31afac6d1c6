/** Removes self-deleting messages whose time is up, checked every second while signed in. */
import type { Logger } from '../log';
import { expireMessages } from '../store/messages';
import type { Announcer } from './announcer';
import type { DeviceContext } from './device';

export class MessageExpiry {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly device: DeviceContext,
    private readonly announcer: Announcer,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        for (const { conversationId, id } of expireMessages(this.device.db, Date.now())) {
          this.announcer.messageUpdated(conversationId, id);
          this.announcer.conversationChanged(conversationId);
        }
      } catch (error) {
        this.log.warn('removing expired messages failed', { error });
      }
    }, 1000);
    this.timer.unref?.();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

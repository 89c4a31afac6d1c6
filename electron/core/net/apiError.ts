import { PassedOnError } from '../ipc/errors';

/** An error answer from the server: its stable code and sentence, plus the HTTP status. */
export class ApiError extends PassedOnError {
  readonly status: number;
  /** The group's current epoch, sent with `mls-stale-message` (409). */
  readonly epoch: number | undefined;
  constructor(code: string, message: string, status: number, epoch?: number) {
    super({ code, message });
    this.name = 'ApiError';
    this.status = status;
    this.epoch = epoch;
  }
}

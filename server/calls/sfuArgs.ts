import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';
import { PIN_PATTERN } from '../../protocol';
import type { SfuSetup } from './sfus';

export type SfuArgs = Readonly<{
  'sft-url'?: readonly string[];
  'sft-secret'?: string;
  'sft-pin'?: readonly string[];
  'local-sft'?: string;
  'sft-interface'?: string;
  'sft-rtp-ports'?: string;
  'sft-https-ip'?: string;
}>;

/**
 * `npm run server` flags → SFU setup. `--sft-url` (repeatable) with `--sft-secret` uses Janus
 * instances run elsewhere and starts none; otherwise `--local-sft auto` (default) starts Janus
 * when it is installed and carries on without it if it cannot start, `on` refuses to run without
 * it, `off` never starts it. `--sft-https-ip` serves the local Janus's API over HTTPS on that
 * address with the server's own key, for clients on other machines.
 */
export function sfuSetupFromArgs(args: SfuArgs): Result<SfuSetup> {
  const urls = args['sft-url'] ?? [];
  const pins = args['sft-pin'] ?? [];
  const badPin = pins.find((pin) => !PIN_PATTERN.test(pin));
  if (badPin !== undefined) return err('bad-argument', `--sft-pin must look like sha256/<44 base64 characters>, not "${badPin}"`);
  const rtp = args['sft-rtp-ports'];
  if (rtp !== undefined && !/^\d{1,5}-\d{1,5}$/.test(rtp)) return err('bad-argument', `--sft-rtp-ports must look like 20000-40000, not "${rtp}"`);
  if (urls.length > 0) {
    const secret = args['sft-secret'];
    if (secret === undefined || secret === '') return err('bad-argument', '--sft-url needs --sft-secret: the token_auth_secret of those Janus instances, to sign their tokens.');
    return ok({ kind: 'remote', urls, secret, pins });
  }
  const local = args['local-sft'] ?? 'auto';
  const tuning = {
    ...(args['sft-interface'] !== undefined ? { iceInterface: args['sft-interface'] } : {}),
    ...(rtp !== undefined ? { rtpPortRange: rtp } : {}),
    ...(args['sft-https-ip'] !== undefined ? { httpsIp: args['sft-https-ip'] } : {}),
  };
  switch (local) {
    case 'off':
      return ok({ kind: 'none' });
    case 'auto':
      return ok({ kind: 'local', required: false, ...tuning });
    case 'on':
      return ok({ kind: 'local', required: true, ...tuning });
    default:
      return err('bad-argument', `--local-sft must be auto, on or off, not "${local}"`);
  }
}

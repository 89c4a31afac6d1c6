import type { MessageKey } from './en';
import { en } from './en';

/** Looks up a UI string and fills `{name}` placeholders. */
export function t(key: MessageKey, params: Readonly<Record<string, string | number>> = {}): string {
  return en[key].replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}

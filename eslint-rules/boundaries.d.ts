export function violation(
  fromZone: string,
  fromFile: string,
  source: string,
  typeOnly: boolean,
  root: string,
): string | undefined;
export const ZONES: Readonly<Record<string, unknown>>;
export const boundariesRule: unknown;

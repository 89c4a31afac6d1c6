/** For the `default` of an exhaustive switch: a new case that is not handled fails the type check. */
export function missingCase(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

/**
 * The part of keytar's API the keychain vault uses, declared here because keytar is an optional
 * dependency: a machine without libsecret's headers installs without it, and `npm run typecheck`
 * must still pass there (issue 16). An ambient declaration is resolved before node_modules, so the
 * check is the same with or without keytar installed; keytar 7.9.0's own keytar.d.ts declares
 * these three functions with the same signatures.
 */
declare module 'keytar' {
  export function getPassword(service: string, account: string): Promise<string | null>;
  export function setPassword(service: string, account: string, password: string): Promise<void>;
  export function deletePassword(service: string, account: string): Promise<boolean>;
  const keytar: {
    getPassword: typeof getPassword;
    setPassword: typeof setPassword;
    deletePassword: typeof deletePassword;
  };
  // eslint-disable-next-line no-restricted-syntax -- keytar is CommonJS: ESM sees its exports on the default export only
  export default keytar;
}

/**
 * Public halves of Cairn's release keys (Ed25519, raw 32 bytes in base64), built into the app so
 * that an update is trusted only if one of them signed it (updateSignature.ts). The private key
 * is made and kept outside the repository (`npx tsx scripts/signRelease.ts keygen <file>`, then
 * stored as the release workflow's secret); its public half goes here, in a reviewed commit. Add
 * the next key before retiring the old one, so installed copies can follow a rotation.
 *
 * Empty until the project's release key exists: the updater then stays off and says why
 * (updatePlan.ts) — it never falls back to unsigned updates.
 */
export const RELEASE_PUBLIC_KEYS: readonly string[] = [];

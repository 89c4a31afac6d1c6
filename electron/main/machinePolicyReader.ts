/**
 * Finds this computer's machine policy where each OS keeps it and hands the text to the pure
 * parsers in machinePolicySources.ts. The OS calls are injected (`PolicyIo`), so the choice of
 * source and the handling of "not there" are tested without Windows or macOS.
 */
import type { PolicyRead } from './machinePolicySources';
import { parseManagedPreferencesPlist, parsePolicyJson, parseRegQuery } from './machinePolicySources';

/** Where Group Policy writes machine policies for Cairn (build/policy/cairn.admx). */
export const WINDOWS_POLICY_KEY = 'HKLM\\Software\\Policies\\Cairn';
/** Where an MDM profile's preferences for the app land on macOS, named after the bundle id. */
export const MACOS_MANAGED_PREFERENCES_DIR = '/Library/Managed Preferences';
export const LINUX_POLICY_FILE = '/etc/cairn/policy.json';

export interface PolicyIo {
  /** Runs a program; `null` when it could not be started. */
  run(command: string, args: readonly string[]): Readonly<{ status: number | null; stdout: string }> | null;
  /** A file's text, or `null` when it does not exist. */
  readText(file: string): string | null;
  exists(file: string): boolean;
}

export function readMachinePolicy(platform: NodeJS.Platform, bundleId: string, io: PolicyIo): PolicyRead {
  switch (platform) {
    case 'win32': {
      // reg.exe exits with 1 when the key does not exist; its output is then no policy at all.
      const result = io.run('reg', ['query', WINDOWS_POLICY_KEY]);
      if (result === null) return { kind: 'invalid', source: 'windows-registry', reason: 'reg.exe could not be run to read the policy.' };
      return parseRegQuery(result.status === 0 ? result.stdout : null);
    }
    case 'darwin': {
      const file = `${MACOS_MANAGED_PREFERENCES_DIR}/${bundleId}.plist`;
      if (!io.exists(file)) return { kind: 'none' };
      // Managed preferences are usually binary plists; plutil prints the XML form.
      const result = io.run('/usr/bin/plutil', ['-convert', 'xml1', '-o', '-', file]);
      if (result === null || result.status !== 0) return { kind: 'invalid', source: 'macos-managed-preferences', reason: `${file} could not be read.` };
      return parseManagedPreferencesPlist(result.stdout);
    }
    default:
      return parsePolicyJson(io.readText(LINUX_POLICY_FILE));
  }
}

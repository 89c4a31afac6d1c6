import { describe, expect, it } from 'vitest';
import type { PolicyIo } from '../../../electron/main/machinePolicyReader';
import { readMachinePolicy } from '../../../electron/main/machinePolicyReader';

interface Call {
  readonly command: string;
  readonly args: readonly string[];
}

function io(options: { run?: ReturnType<PolicyIo['run']>; files?: Readonly<Record<string, string>> }): PolicyIo & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    run: (command, args) => {
      calls.push({ command, args });
      return options.run ?? null;
    },
    readText: (file) => options.files?.[file] ?? null,
    exists: (file) => options.files?.[file] !== undefined,
  };
}

describe('reading the machine policy from the OS', () => {
  it('asks reg.exe for HKLM\\Software\\Policies\\Cairn on Windows', () => {
    const windows = io({ run: { status: 0, stdout: 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Cairn\r\n    AlwaysRelayCalls    REG_DWORD    0x1\r\n' } });
    expect(readMachinePolicy('win32', 'im.cairn.desktop', windows)).toMatchObject({ kind: 'policy', policy: { calls: { alwaysRelay: true } } });
    expect(windows.calls).toEqual([{ command: 'reg', args: ['query', 'HKLM\\Software\\Policies\\Cairn'] }]);
  });

  it('reads no policy when the registry key does not exist, and refuses to start blind when reg.exe cannot run', () => {
    expect(readMachinePolicy('win32', 'im.cairn.desktop', io({ run: { status: 1, stdout: '' } }))).toEqual({ kind: 'none' });
    expect(readMachinePolicy('win32', 'im.cairn.desktop', io({})).kind).toBe('invalid');
  });

  it('converts the managed preferences named after the bundle id with plutil on macOS', () => {
    const file = '/Library/Managed Preferences/im.cairn.desktop.plist';
    const mac = io({ files: { [file]: 'binary' }, run: { status: 0, stdout: '<plist version="1.0"><dict><key>UpdatesEnabled</key><false/></dict></plist>' } });
    expect(readMachinePolicy('darwin', 'im.cairn.desktop', mac)).toMatchObject({ kind: 'policy', policy: { updates: { enabled: false } } });
    expect(mac.calls).toEqual([{ command: '/usr/bin/plutil', args: ['-convert', 'xml1', '-o', '-', file] }]);
    expect(readMachinePolicy('darwin', 'im.cairn.desktop', io({}))).toEqual({ kind: 'none' });
  });

  it('reads /etc/cairn/policy.json on Linux', () => {
    const linux = io({ files: { '/etc/cairn/policy.json': '{"AppLockRequired": true}' } });
    expect(readMachinePolicy('linux', 'im.cairn.desktop', linux)).toMatchObject({ kind: 'policy', policy: { appLock: { required: true } } });
    expect(readMachinePolicy('linux', 'im.cairn.desktop', io({}))).toEqual({ kind: 'none' });
  });
});

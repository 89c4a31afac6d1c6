/**
 * The settings' sections in the order of the side navigation (as Signal's and Element's settings
 * group theirs): each names the catalogue key of its title.
 */
export const SETTINGS_SECTIONS = [
  { key: 'profile', title: 'profile.title' },
  { key: 'notifications', title: 'settings.notificationsTitle' },
  { key: 'appearance', title: 'settings.appearanceTitle' },
  { key: 'privacy', title: 'settings.privacyTitle' },
  { key: 'calls', title: 'settings.callsTitle' },
  { key: 'devices', title: 'devices.title' },
  { key: 'app-lock', title: 'settings.lockTitle' },
  { key: 'backups', title: 'backup.title' },
  { key: 'about', title: 'settings.aboutTitle' },
] as const;

export type SettingsSection = (typeof SETTINGS_SECTIONS)[number]['key'];

/** The element id of a section's wrapper in the settings view. */
export const sectionId = (key: SettingsSection): string => `settings-${key}`;

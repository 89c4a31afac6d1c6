import type { Migration } from '../migration';
import { migration0001 } from './0001-initial';
import { migration0002 } from './0002-device-keys';
import { migration0003 } from './0003-mls-groups';
import { migration0004 } from './0004-user-profiles';
import { migration0005 } from './0005-reactions';
import { migration0006 } from './0006-assets';
import { migration0007 } from './0007-read-state';
import { migration0008 } from './0008-device-verification';
import { migration0009 } from './0009-quotes-mentions-hide';
import { migration0010 } from './0010-outbox';
import { migration0011 } from './0011-pending-messages';
import { migration0012 } from './0012-message-failure';
import { migration0013 } from './0013-message-preview';

/** Every schema step in order. Append new files here; never edit or reorder landed ones. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009, migration0010, migration0011, migration0012, migration0013];
